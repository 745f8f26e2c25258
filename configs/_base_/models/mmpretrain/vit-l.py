# ViT-L/14 of MMPretrain, the architecture of timm's vit_large_patch14_224;
# the backbone outputs the class token.
_base_ = '../scl_classifier.py'
model = dict(
    backbone=dict(
        type='VisionTransformer',
        arch='large',
        img_size=224,
        patch_size=14,
        in_channels=1,
        out_type='cls_token'),
    neck=None,
    head=dict(in_channels=1024),
)
