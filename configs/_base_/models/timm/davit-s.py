# DaViT-S of timm (Table 1: Davit_small). TIMMBackbone drops timm's pooling
# but keeps the LayerNorm of its head, so it returns normalised
# (N, C, H, W) maps; they are averaged, as with MMPretrain's DaViT.
_base_ = './timm_classifier.py'
model = dict(
    backbone=dict(model_name='davit_small'),
    neck=dict(input_fmt='NCHW'),
    head=dict(in_channels=768))
