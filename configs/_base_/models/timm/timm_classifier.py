# A timm backbone as an SCL classifier: TIMMBackbone drops timm's pooling
# (and keeps the norm of its head), TIMMPooling pools its maps; each model
# file gives the timm model, the maps' layout and pooling, and the width.
_base_ = '../scl_classifier.py'
model = dict(
    backbone=dict(type='TIMMBackbone', in_channels=1, pretrained=False),
    neck=dict(type='TIMMPooling', pool_type='avg'),
)
