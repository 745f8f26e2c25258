# DaViT-L of timm (Table 1: Davit_large). TIMMBackbone drops timm's pooling
# but keeps the LayerNorm of its head, so it returns normalised
# (N, C, H, W) maps; they are averaged, as with MMPretrain's DaViT.
_base_ = '../scl_classifier.py'
model = dict(
    backbone=dict(
        type='TIMMBackbone',
        model_name='davit_large',
        in_channels=1,
        pretrained=False),
    neck=dict(type='TIMMPooling', input_fmt='NCHW', pool_type='avg'),
    head=dict(in_channels=1536),
)
