# ViT-S/8 of MMPretrain, the architecture of timm's vit_small_patch8_224;
# the backbone outputs the class token.
_base_ = '../scl_classifier.py'
model = dict(
    backbone=dict(
        type='VisionTransformer',
        arch='deit-small',
        img_size=224,
        patch_size=8,
        in_channels=1,
        out_type='cls_token'),
    neck=None,
    head=dict(in_channels=384),
)
