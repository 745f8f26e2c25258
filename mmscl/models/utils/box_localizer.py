import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmpretrain.registry import MODELS


@MODELS.register_module()
class BoxLocalizer(BaseModule):
    """The localisation subnet of Varifocal-Net's G-Net: one box per image.

    From the last feature map of the global network it regresses the box
    to zoom into as its centre and side, fractions of the image side:
    ``(cx, cy) = sigmoid(.)`` and ``side = min_size + (1 - min_size)
    sigmoid(.)``, so that no box is empty or smaller than ``min_size``.
    The box is a square, so that the zoom keeps the chromosome's shape (a
    box of its own aspect would stretch every chromosome to the crop's
    square); it may reach past the image, whose border the crop repeats.
    The box starts as the centred square of side ``(1 + min_size) / 2``.

    Args:
        in_channels (int): Channels of the feature map.
        hidden_channels (int): Width of the hidden layer. Defaults to 256.
        min_size (float): Least box side, a fraction of the image side in
            (0, 1). Defaults to 0.25.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 hidden_channels: int = 256,
                 min_size: float = 0.25,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if not 0 < min_size < 1:
            raise ValueError(
                f'BoxLocalizer: min_size={min_size} must be in (0, 1).')
        self.min_size = min_size
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.mlp = nn.Sequential(
            nn.Linear(in_channels, hidden_channels), nn.ReLU(inplace=True),
            nn.Linear(hidden_channels, 3))
        # Zero output: the centred box of half the range of sides.
        nn.init.zeros_(self.mlp[-1].weight)
        nn.init.zeros_(self.mlp[-1].bias)

    def forward(self, feat: torch.Tensor) -> torch.Tensor:
        """The boxes (x1, y1, x2, y2), fractions of the image side.

        Args:
            feat (Tensor): (N, C, h, w) feature map.

        Returns:
            Tensor: (N, 4) boxes.
        """
        out = self.mlp(self.pool(feat).flatten(1)).sigmoid()  # (N, 3)
        centre = out[:, :2]
        half = (self.min_size + (1 - self.min_size) * out[:, 2:]) / 2
        return torch.cat([centre - half, centre + half], 1)  # (N, 4)
