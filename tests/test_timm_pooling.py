import pytest
import timm
import torch
from mmpretrain.registry import MODELS

import mmscl  # noqa: F401


@pytest.mark.parametrize('model_name, kwargs, size, neck', [
    ('vit_small_patch8_224', dict(
        depth=1, img_size=32), 32, dict(input_fmt='NLC', pool_type='token')),
    ('swin_small_patch4_window7_224',
     dict(
         depths=(1, 1, 1, 1),
         embed_dim=32,
         num_heads=(1, 2, 4, 8),
         img_size=64), 64, dict(input_fmt='NHWC', pool_type='avg')),
    ('resnet34', dict(layers=(1, 1, 1, 1)), 32,
     dict(input_fmt='NCHW', pool_type='avg')),
])
def test_pools_as_timm_itself(model_name, kwargs, size, neck):
    """TIMMBackbone + TIMMPooling give the features of the timm model with
    its own global pooling (``num_classes=0``), the same weights."""
    torch.manual_seed(0)
    backbone = MODELS.build(
        dict(
            type='TIMMBackbone',
            model_name=model_name,
            in_channels=1,
            **kwargs))
    reference = timm.create_model(
        model_name, in_chans=1, num_classes=0, **kwargs)
    reference.load_state_dict(backbone.timm_model.state_dict())
    backbone.eval()
    reference.eval()
    inputs = torch.randn(2, 1, size, size)
    pooled = MODELS.build(dict(type='TIMMPooling', **neck))(backbone(inputs))
    assert isinstance(pooled, tuple)
    torch.testing.assert_close(pooled[-1], reference(inputs))


def test_layouts_pool_the_right_axes():
    maps = torch.randn(2, 8, 3, 5)  # N, C, H, W
    tokens = torch.randn(2, 6, 8)  # N, 1 + 5 tokens, C

    def pool(inputs, **kwargs):
        return MODELS.build(dict(type='TIMMPooling', **kwargs))(inputs)

    torch.testing.assert_close(pool(maps), maps.mean(dim=(2, 3)))
    torch.testing.assert_close(
        pool(maps.permute(0, 2, 3, 1), input_fmt='NHWC'),
        maps.mean(dim=(2, 3)))
    torch.testing.assert_close(
        pool(maps, pool_type='max'), maps.amax(dim=(2, 3)))
    torch.testing.assert_close(
        pool(tokens, input_fmt='NLC', pool_type='token'), tokens[:, 0])
    torch.testing.assert_close(
        pool(tokens, input_fmt='NLC', pool_type='avg'), tokens[:,
                                                               1:].mean(dim=1))
    torch.testing.assert_close(
        pool(tokens, input_fmt='NLC', pool_type='avg', num_prefix_tokens=0),
        tokens.mean(dim=1))


def test_bad_settings_and_inputs_fail_clearly():
    with pytest.raises(ValueError, match='input_fmt must be one of'):
        MODELS.build(dict(type='TIMMPooling', input_fmt='NCL'))
    with pytest.raises(ValueError, match="pool_type for NCHW"):
        MODELS.build(dict(type='TIMMPooling', pool_type='token'))
    with pytest.raises(ValueError, match='needs a class token'):
        MODELS.build(
            dict(
                type='TIMMPooling',
                input_fmt='NLC',
                pool_type='token',
                num_prefix_tokens=0))
    neck = MODELS.build(dict(type='TIMMPooling', input_fmt='NHWC'))
    with pytest.raises(ValueError, match='expects 4-d features'):
        neck((torch.randn(2, 50, 8), ))
    with pytest.raises(TypeError, match='tensor or a tuple'):
        neck([torch.randn(2, 7, 7, 8)])
