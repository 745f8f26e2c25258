# DaViT-S of MMPretrain; normalised (N, C, H, W) maps, averaged.
_base_ = '../scl_classifier.py'
model = dict(
    backbone=dict(
        type='DaViT', arch='small', in_channels=1, out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(in_channels=768),
)
