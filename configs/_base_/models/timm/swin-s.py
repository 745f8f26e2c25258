# Swin-S of timm (Table 1: Swin_small); (N, H, W, C) maps, averaged.
_base_ = '../scl_classifier.py'
model = dict(
    backbone=dict(
        type='TIMMBackbone',
        model_name='swin_small_patch4_window7_224',
        in_channels=1,
        pretrained=False),
    neck=dict(type='TIMMPooling', input_fmt='NHWC', pool_type='avg'),
    head=dict(in_channels=768),
)
