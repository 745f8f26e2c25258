# Swin-S (patch 4, window 7) of MMPretrain: swin-l.py with the small
# architecture.
_base_ = './swin-l.py'
model = dict(backbone=dict(arch='small'), head=dict(in_channels=768))
