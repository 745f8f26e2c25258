# DaViT-S of MMPretrain: davit-l.py with the small architecture.
_base_ = './davit-l.py'
model = dict(backbone=dict(arch='small'), head=dict(in_channels=768))
