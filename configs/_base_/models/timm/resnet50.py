# ResNet-50 of timm (Table 1); (N, C, H, W) maps, averaged.
_base_ = '../scl_classifier.py'
model = dict(
    backbone=dict(
        type='TIMMBackbone',
        model_name='resnet50',
        in_channels=1,
        pretrained=False),
    neck=dict(type='TIMMPooling', input_fmt='NCHW', pool_type='avg'),
    head=dict(in_channels=2048),
)
