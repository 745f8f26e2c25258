# ViT-S/8 of MMPretrain, the architecture of timm's vit_small_patch8_224:
# vit-l.py with the small architecture and 8 px patches.
_base_ = './vit-l.py'
model = dict(
    backbone=dict(arch='deit-small', patch_size=8),
    head=dict(in_channels=384))
