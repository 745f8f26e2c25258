from typing import Tuple, Union

import torch
import torch.nn as nn
from mmpretrain.registry import MODELS
from timm.layers import SelectAdaptivePool2d, global_pool_nlc

# The layouts timm models return their last features in, and the pooling
# timm offers for each (``SelectAdaptivePool2d`` / ``global_pool_nlc``).
POOL_TYPES = {
    'NCHW': ('avg', 'max', 'avgmax', 'catavgmax'),
    'NHWC': ('avg', 'max', 'avgmax', 'catavgmax'),
    'NLC': ('token', 'avg', 'max', 'avgmax'),
}


@MODELS.register_module()
class TIMMPooling(nn.Module):
    """Global pooling of the unpooled features of a ``TIMMBackbone``.

    MMPretrain's ``TIMMBackbone`` removes the classifier *and* the global
    pooling of the timm model, so it returns the last features in the
    layout of each architecture: ``(N, C, H, W)`` maps for CNNs and DaViT,
    ``(N, H, W, C)`` maps for timm's Swin, ``(N, L, C)`` token sequences
    for ViT. ``GlobalAveragePooling`` is only right for the first. This
    neck pools each layout with timm's own pooling code, as the timm model
    would with its ``global_pool`` setting:

    ================================  ===========  =========
    timm model                        input_fmt    pool_type
    ================================  ===========  =========
    resnet*, davit_*                  'NCHW'       'avg'
    swin_*                            'NHWC'       'avg'
    vit_* with a class token          'NLC'        'token'
    vit_* with ``global_pool='avg'``  'NLC'        'avg'
    ================================  ===========  =========

    Args:
        input_fmt (str): Layout of the features: 'NCHW', 'NHWC' or 'NLC'.
            Defaults to 'NCHW'.
        pool_type (str): 'avg', 'max', 'avgmax' or 'catavgmax' (twice the
            channels) for maps; 'token' (the first, class token), 'avg',
            'max' or 'avgmax' for token sequences. Defaults to 'avg'.
        num_prefix_tokens (int): Class / register tokens at the start of
            a token sequence, left out of the 'avg', 'max' and 'avgmax'
            pooling (timm's ``num_prefix_tokens``). Defaults to 1.
    """

    def __init__(self,
                 input_fmt: str = 'NCHW',
                 pool_type: str = 'avg',
                 num_prefix_tokens: int = 1):
        super().__init__()
        if input_fmt not in POOL_TYPES:
            raise ValueError(f'TIMMPooling: input_fmt must be one of '
                             f'{list(POOL_TYPES)}, got {input_fmt!r}.')
        if pool_type not in POOL_TYPES[input_fmt]:
            raise ValueError(
                f'TIMMPooling: pool_type for {input_fmt} features must be '
                f'one of {list(POOL_TYPES[input_fmt])}, got {pool_type!r}.')
        if num_prefix_tokens < 0:
            raise ValueError('TIMMPooling: num_prefix_tokens must be >= 0, '
                             f'got {num_prefix_tokens}.')
        if input_fmt == 'NLC' and pool_type == 'token' and \
                num_prefix_tokens < 1:
            raise ValueError("TIMMPooling: pool_type='token' needs a class "
                             'token (num_prefix_tokens >= 1).')
        self.input_fmt = input_fmt
        self.pool_type = pool_type
        self.num_prefix_tokens = num_prefix_tokens
        if input_fmt != 'NLC':
            self.pool = SelectAdaptivePool2d(
                pool_type=pool_type, flatten=True, input_fmt=input_fmt)

    def _pool(self, x: torch.Tensor) -> torch.Tensor:
        expected_dim = 3 if self.input_fmt == 'NLC' else 4
        if x.dim() != expected_dim:
            raise ValueError(
                f'TIMMPooling(input_fmt={self.input_fmt!r}) expects '
                f'{expected_dim}-d features, got shape {tuple(x.shape)}: '
                'check input_fmt against the backbone.')
        if self.input_fmt != 'NLC':
            return self.pool(x)
        return global_pool_nlc(
            x,
            pool_type=self.pool_type,
            num_prefix_tokens=self.num_prefix_tokens)

    def forward(
        self, inputs: Union[torch.Tensor, Tuple[torch.Tensor]]
    ) -> Union[torch.Tensor, Tuple[torch.Tensor]]:
        """Pool a feature, or each feature of a tuple, to ``(N, C)``."""
        if isinstance(inputs, tuple):
            return tuple(self._pool(x) for x in inputs)
        if isinstance(inputs, torch.Tensor):
            return self._pool(inputs)
        raise TypeError('TIMMPooling: inputs must be a tensor or a tuple of '
                        f'tensors, got {type(inputs).__name__}.')
