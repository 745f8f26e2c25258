# ViT-L/14 of timm (Table 1: Vit_large); pooled to its class token.
_base_ = './timm_classifier.py'
model = dict(
    backbone=dict(model_name='vit_large_patch14_224'),
    neck=dict(input_fmt='NLC', pool_type='token'),
    head=dict(in_channels=1024))
