# HR-Net (Zhang et al., IEEE JBHI 2021) in the SCL paper's setting (its
# Table 2: 91.34 / 91.21 / 99.69 accuracy / recall / AUC on OGH-Fudan,
# 77.99 / 78.07 / 98.13 on ChrmNet): the data and pipeline of
# ../_base_/datasets/ogh.py (224 px), Adam lr 1e-5 for 400k steps of 48
# shuffled crops. OGH-Fudan's crops are bent metaphase chromosomes with no
# straight counterpart, so this trains the classification alone (the
# straightening branch still runs, interleaved, unsupervised): see
# configs/README.md.
#   python tools/train.py configs/comparison/hr-net_ogh.py
#   python tools/test.py configs/comparison/hr-net_ogh_chrmnet.py CKPT
_base_ = [
    '../_base_/datasets/ogh.py',
    '../_base_/schedules/adam_400k.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='InterleavedStraighteningNet',
    cls_backbone=dict(type='ResNet', depth=50, in_channels=1),
    straight_backbone=dict(
        type='ResNet', depth=18, in_channels=1, stem_channels=32,
        base_channels=32),
    decoder_channels=64,
    head=dict(
        type='LinearClsHead',
        num_classes=24,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    loss_straight_weight=1.0,
)
train_dataloader = dict(
    batch_size=48,
    batch_sampler=None,
    sampler=dict(type='DefaultSampler', shuffle=True, _delete_=True))
custom_hooks = []
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', find_unused_parameters=True)
