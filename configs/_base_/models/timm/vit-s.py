# ViT-S/8 of timm (Table 1: Vit_small); pooled to its class token.
_base_ = './timm_classifier.py'
model = dict(
    backbone=dict(model_name='vit_small_patch8_224'),
    neck=dict(input_fmt='NLC', pool_type='token'),
    head=dict(in_channels=384))
