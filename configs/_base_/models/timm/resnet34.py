# ResNet-34 of timm (Table 1); (N, C, H, W) maps, averaged.
_base_ = './timm_classifier.py'
model = dict(
    backbone=dict(model_name='resnet34'),
    neck=dict(input_fmt='NCHW'),
    head=dict(in_channels=512))
