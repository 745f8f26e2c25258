"""What a built MMPretrain ResNet returns, read from the network itself so
that configs need not repeat it."""
from typing import List, Tuple

import torch.nn as nn
from mmpretrain.models.backbones import ResNet


def stage_channels(backbone: nn.Module, owner: str) -> List[int]:
    """The output channels of every residual stage of a ResNet.

    Args:
        backbone (nn.Module): A built ``ResNet`` (or subclass).
        owner (str): The model and setting that built it, for the error.

    Returns:
        list[int]: One channel count per stage.
    """
    if not isinstance(backbone, ResNet):
        raise ValueError(f'{owner} must be an MMPretrain ResNet (or a '
                        f'subclass), got {type(backbone).__name__}.')
    return [
        getattr(backbone, name)[-1].out_channels
        for name in backbone.res_layers
    ]


def out_channels(backbone: nn.Module, owner: str) -> Tuple[int, ...]:
    """The channels of the maps a ResNet returns (its ``out_indices``)."""
    channels = stage_channels(backbone, owner)
    return tuple(channels[i] for i in backbone.out_indices)
