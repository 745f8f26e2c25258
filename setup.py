from setuptools import find_packages, setup


def get_version():
    scope = {}
    with open('mmscl/version.py') as f:
        exec(f.read(), scope)
    return scope['__version__']


# mmscl.analysis and tools/analysis/ (pip install -e '.[analysis]').
ANALYSIS_REQUIRES = [
    'matplotlib',
    # Class activation maps of tools/analysis/cam.py.
    'grad-cam==1.5.7',
]


setup(
    name='mmscl',
    version=get_version(),
    description='Supervised contrastive learning for chromosome '
    'classification, as an MMPretrain plugin',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'benchmarks')),
    python_requires='>=3.10',
    install_requires=[
        # torch >= 2.6 loads checkpoints with weights_only=True; mmscl
        # allow-lists what MMEngine checkpoints need (mmscl/utils).
        'torch>=2.6',
        'torchvision',
        'mmpretrain==1.2.0',
        'mmengine>=0.10.7,<0.11',
        'mmcv-lite==2.2.0',
        'timm>=1.0',
        'numpy>=2',
        # PNG compression flags of the synthetic generator.
        'opencv-python>=4.12',
        'pillow',
        # The UCSC cytoband tables of the synthetic generator.
        'pyryotype==0.0.7',
        'scikit-learn>=1.3',
        # Chromosome length (skeleton, longest path) and silhouettes of
        # mmscl/datasets/morphometry.py; the joint karyotype assignment.
        'scikit-image>=0.22',
        'scipy>=1.11',
        'tqdm',
    ],
    extras_require={
        'analysis': ANALYSIS_REQUIRES,
        # The tests run the analysis tools too.
        'tests': ['pytest', 'pytest-timeout', *ANALYSIS_REQUIRES],
    },
    zip_safe=False,
)
