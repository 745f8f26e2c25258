# ResNet-18 of MMPretrain, its (N, C, H, W) maps averaged, with a 256-d
# embedding and MLP: the small classifier of the synthetic and gband612
# configs.
_base_ = './scl_classifier.py'
model = dict(
    backbone=dict(type='ResNet', depth=18, in_channels=1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(in_channels=512, embed_dim=256, hidden_channels=256))
