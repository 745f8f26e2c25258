# ViT-S/8 of timm (Table 1: Vit_small); pooled to its class token.
_base_ = '../scl_classifier.py'
model = dict(
    backbone=dict(
        type='TIMMBackbone',
        model_name='vit_small_patch8_224',
        in_channels=1,
        pretrained=False),
    neck=dict(type='TIMMPooling', input_fmt='NLC', pool_type='token'),
    head=dict(in_channels=384),
)
