# An experiment of benchmarks/README.md ("Augmentation for lab shift"): the
# SCL gband612 config with the normalised scale jittered (+-15%) and a
# Gaussian blur (as softer optics: radius 0.91 px of the input, as
# mmpretrain draws the level 9 of 10 of magnitude_range without
# magnitude_std), compared with configs/scl/resnet18_gband612.py by
# benchmarks/real_data.py (measured when that config's lambda1 was 0.25; it
# is 0.1 now).
_base_ = ['../../configs/scl/resnet18_gband612.py']
train_pipeline = [
    dict(type='LoadChromosomeImage', imdecode_backends=('cv2', 'pillow')),
    dict(type='NormalizeStain'),
    dict(type='AlignLongAxis'),
    dict(type='RandomReferenceScale', ratio_range=(0.87, 1.15)),
    dict(type='Letterbox', scale={{_base_.input_size}},
         reference_fraction={{_base_.reference_fraction}}),
    dict(type='RandomRotate', prob=1.0, angle=15., fill=255),
    dict(type='RandomFlip', prob=[0.25, 0.25],
         direction=['horizontal', 'vertical']),
    dict(type='GaussianBlur', magnitude_range=(0.1, 1.0), prob=0.3),
    dict(type='RandomContrastGamma', prob=0.8, contrast=(0.4, 1.3),
         gamma=(0.7, 1.4), brightness=(-10., 10.)),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
