# ResNet-50 of timm (Table 1); (N, C, H, W) maps, averaged.
_base_ = './timm_classifier.py'
model = dict(
    backbone=dict(model_name='resnet50'),
    neck=dict(input_fmt='NCHW'),
    head=dict(in_channels=2048))
