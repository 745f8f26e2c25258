# ViT-L/14 of timm (Table 1: Vit_large); pooled to its class token.
_base_ = '../scl_classifier.py'
model = dict(
    backbone=dict(
        type='TIMMBackbone',
        model_name='vit_large_patch14_224',
        in_channels=1,
        pretrained=False),
    neck=dict(type='TIMMPooling', input_fmt='NLC', pool_type='token'),
    head=dict(in_channels=1024),
)
