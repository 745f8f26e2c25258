# Swin-L (patch 4, window 7) of MMPretrain; (N, C, H, W) maps, averaged.
_base_ = '../scl_classifier.py'
model = dict(
    backbone=dict(
        type='SwinTransformer', arch='large', img_size=224, in_channels=1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(in_channels=1536),
)
