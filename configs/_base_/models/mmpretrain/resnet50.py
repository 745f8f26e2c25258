# ResNet-50 of MMPretrain; (N, C, H, W) maps, averaged.
_base_ = '../scl_classifier.py'
model = dict(
    backbone=dict(type='ResNet', depth=50, in_channels=1, out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(in_channels=2048),
)
