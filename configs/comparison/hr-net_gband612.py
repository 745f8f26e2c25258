# HR-Net (Zhang et al., IEEE JBHI 2021: interleaved classification and
# straightening; not HRNet, the high-resolution backbone) on the gband612
# G-band crops at the real-data benchmark's budget: the data, 128 px input,
# schedule and batches (48, shuffled) of baseline/resnet18_gband612.py. The
# classification branch is an MMPretrain ResNet-18, the straightening
# encoder a half-width ResNet-18. gband612's crops are karyogram crops,
# already straight and upright: the straightening target is the crop
# before the rotation of the augmentation (CopyStraightTarget), after the
# flips (which side is up is not for the straightening to guess).
# Where this follows the paper and where it guesses: configs/README.md.
#   python tools/train.py configs/comparison/hr-net_gband612.py
#   python tools/test.py configs/comparison/hr-net_gband612.py CKPT
#   python tools/test.py configs/comparison/hr-net_gband612_qband119.py CKPT
_base_ = [
    '../_base_/models/hr-net.py',
    '../_base_/datasets/gband612.py',
    '../_base_/schedules/adam_cosine_3k.py',
    '../_base_/default_runtime.py',
]
# The training pipeline of ../_base_/datasets/gband612.py, with the target
# taken after the flips and before the rotation (the two commute: the
# angle's range is symmetric).
train_pipeline = [
    dict(type='LoadChromosomeImage', imdecode_backends=('cv2', 'pillow')),
    dict(type='NormalizeStain'),
    dict(type='AlignLongAxis'),
    dict(type='RandomReferenceLevel',
         level_probs=dict(cell=0.5, patient=0.25, dataset=0.25)),
    dict(type='RandomReferenceScale', ratio_range=(0.8, 1.25), prob=0.5),
    dict(type='Letterbox', scale={{_base_.input_size}},
         reference_fraction={{_base_.reference_fraction}}),
    dict(type='RandomFlip', prob=[0.25, 0.25],
         direction=['horizontal', 'vertical']),
    dict(type='CopyStraightTarget'),
    dict(type='RandomRotate', prob=1.0, angle=15., fill=255),
    dict(type='RandomContrastGamma', prob=0.8, contrast=(0.4, 1.3),
         gamma=(0.7, 1.4), brightness=(-10., 10.)),
    dict(type='PackInputs', algorithm_keys=['straight_img']),
]
train_dataloader = dict(
    batch_size=48,
    batch_sampler=None,
    sampler=dict(type='DefaultSampler', shuffle=True, _delete_=True),
    dataset=dict(pipeline=train_pipeline))

# No focal loss to warm up.
custom_hooks = []
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=1000))
