# Swin-S of timm (Table 1: Swin_small); (N, H, W, C) maps, averaged.
_base_ = './timm_classifier.py'
model = dict(
    backbone=dict(model_name='swin_small_patch4_window7_224'),
    neck=dict(input_fmt='NHWC'),
    head=dict(in_channels=768))
