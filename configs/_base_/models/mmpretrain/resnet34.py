# ResNet-34 of MMPretrain; (N, C, H, W) maps, averaged.
_base_ = '../scl_classifier.py'
model = dict(
    backbone=dict(type='ResNet', depth=34, in_channels=1, out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(in_channels=512),
)
