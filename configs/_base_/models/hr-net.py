# HR-Net (Zhang et al., IEEE JBHI 2021: interleaved classification and
# straightening; not HRNet, the high-resolution backbone): an MMPretrain
# ResNet-18 classification branch and a half-width ResNet-18 straightening
# encoder (a guess: configs/README.md, Table 2); the configs of
# ../../comparison/ add the data and schedule.
model = dict(
    type='InterleavedStraighteningNet',
    backbone=dict(
        type='InterleavedResNets',
        cls_backbone=dict(type='ResNet', depth=18, in_channels=1),
        straight_backbone=dict(
            type='ResNet', depth=18, in_channels=1, stem_channels=32,
            base_channels=32),
        decoder_channels=64),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=24,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    loss_straight_weight=1.0,
)
# A batch without straightening targets leaves the decoder without
# gradients.
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', find_unused_parameters=True)
