# An experiment of benchmarks/README.md ("Augmentation for lab shift"): the
# SCL gband612 config with the optics and the camera of other labs
# simulated on the model's input: sharpening or blurring (PIL's sharpness
# factor 0.1-1.9, drawn uniformly), Gaussian noise (std 1-6 gray levels)
# and JPEG compression (quality 40-95), each on 30-50% of the crops.
# Compared with configs/scl/resnet18_gband612.py by benchmarks/real_data.py
# (measured when that config's lambda1 was 0.25; it is 0.1 now).
_base_ = ['../../configs/scl/resnet18_gband612.py']
train_pipeline = [
    dict(type='LoadChromosomeImage', imdecode_backends=('cv2', 'pillow')),
    dict(type='NormalizeStain'),
    dict(type='AlignLongAxis'),
    dict(type='Letterbox', scale={{_base_.input_size}},
         reference_fraction={{_base_.reference_fraction}}),
    dict(type='RandomRotate', prob=1.0, angle=15., fill=255),
    dict(type='RandomFlip', prob=[0.25, 0.25],
         direction=['horizontal', 'vertical']),
    # magnitude_std='inf' with the top level draws uniformly over the range.
    dict(type='Sharpness', magnitude_range=(0., 0.9), magnitude_level=10,
         magnitude_std='inf', random_negative_prob=0.5, prob=0.5),
    dict(type='RandomContrastGamma', prob=0.8, contrast=(0.4, 1.3),
         gamma=(0.7, 1.4), brightness=(-10., 10.)),
    dict(type='RandomGaussianNoise', prob=0.3, std=(1., 6.)),
    dict(type='RandomJPEGCompression', prob=0.3, quality=(40, 95)),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
# Needs the repository root on sys.path (PYTHONPATH=.).
custom_imports = dict(imports=['mmscl', 'benchmarks.lab_shift_transforms'],
                      allow_failed_imports=False)
