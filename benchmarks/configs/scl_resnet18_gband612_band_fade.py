# An experiment of benchmarks/README.md ("Faded bands"): the SCL gband612
# config with the bands of half the crops blurred (sigma 0.5-2.5% of the
# input side) and flattened (contrast x0.3-1) inside an unchanged outline,
# as a lab with fainter banding would give them, so that the model also
# uses length and centromere position. Compared with
# configs/scl/resnet18_gband612.py by benchmarks/real_data.py on the
# validation split and qband119.
_base_ = ['../../configs/scl/resnet18_gband612.py']
train_pipeline = [
    dict(type='LoadChromosomeImage', imdecode_backends=('cv2', 'pillow')),
    dict(type='NormalizeStain'),
    dict(type='AlignLongAxis'),
    dict(type='RandomReferenceLevel',
         level_probs=dict(cell=0.5, patient=0.25, dataset=0.25)),
    dict(type='RandomReferenceScale', ratio_range=(0.8, 1.25), prob=0.5),
    dict(type='Letterbox', scale={{_base_.input_size}},
         reference_fraction={{_base_.reference_fraction}}),
    dict(type='RandomBandFade', prob=0.5, sigma=(0.005, 0.025),
         contrast=(0.3, 1.0)),
    dict(type='RandomRotate', prob=1.0, angle=15., fill=255),
    dict(type='RandomFlip', prob=[0.25, 0.25],
         direction=['horizontal', 'vertical']),
    dict(type='RandomContrastGamma', prob=0.8, contrast=(0.4, 1.3),
         gamma=(0.7, 1.4), brightness=(-10., 10.)),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
# Needs the repository root on sys.path (PYTHONPATH=.).
custom_imports = dict(imports=['mmscl', 'benchmarks.lab_shift_transforms'],
                      allow_failed_imports=False)
