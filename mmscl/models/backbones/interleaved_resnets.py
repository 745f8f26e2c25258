from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmpretrain.models.backbones import ResNet
from mmpretrain.registry import MODELS

from ..utils import stage_channels


def _resnet_stages(backbone: ResNet) -> List[nn.Module]:
    """The stem (with its max pooling) and the residual stages of a ResNet,
    to run one by one."""
    if backbone.deep_stem:
        stem = [backbone.stem]
    else:
        stem = [backbone.conv1, backbone.norm1, backbone.relu]
    return [nn.Sequential(*stem, backbone.maxpool)] + [
        getattr(backbone, name) for name in backbone.res_layers
    ]


@MODELS.register_module()
class InterleavedResNets(BaseModule):
    """The two interleaved ResNets of the classification and straightening
    network of Zhang et al. (IEEE JBHI 2021), with the straightening
    decoder, as one backbone: the backbone of
    :class:`InterleavedStraighteningNet`, the SCL paper's "HR-Net" (not
    MMPretrain's ``HRNet``).

    The classification branch (``cls_backbone``) and the encoder of the
    straightening branch (``straight_backbone``) run side by side. After
    every residual stage each branch adds the other's map through a 1x1
    convolution (the interleaving). A decoder with skips from the
    straightening encoder's stages (U-Net style) draws the straightened
    chromosome, ``(N, 1, H, W)`` in [0, 1] (1 = white) at the input's size.

    Args:
        cls_backbone (dict): MMPretrain ``ResNet`` config of the
            classification branch.
        straight_backbone (dict): MMPretrain ``ResNet`` config of the
            straightening encoder, e.g. with fewer ``base_channels``.
        decoder_channels (int): Channels of the decoder's maps. Defaults
            to 64.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    #: The branch whose maps the head classifies: where class activation
    #: maps are taken.
    image_branch = 'cls_backbone'

    def __init__(self,
                 cls_backbone: dict,
                 straight_backbone: dict,
                 decoder_channels: int = 64,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.cls_backbone = MODELS.build(cls_backbone)
        self.straight_backbone = MODELS.build(straight_backbone)
        #: The channels of every stage of the classification branch.
        self.cls_channels = stage_channels(
            self.cls_backbone, 'InterleavedResNets: cls_backbone')
        straight_channels = stage_channels(
            self.straight_backbone, 'InterleavedResNets: straight_backbone')
        if len(self.cls_channels) != len(straight_channels):
            raise ValueError(
                'InterleavedResNets: cls_backbone and straight_backbone '
                'must have as many stages (num_stages), got '
                f'{len(self.cls_channels)} and {len(straight_channels)}.')
        if decoder_channels <= 0:
            raise ValueError(f'InterleavedResNets: decoder_channels='
                             f'{decoder_channels} must be positive.')

        def exchange(in_channels, out_channels):
            return ConvModule(in_channels, out_channels, 1,
                              norm_cfg=dict(type='BN'), act_cfg=None)

        self.to_cls = nn.ModuleList(
            exchange(s, c)
            for s, c in zip(straight_channels, self.cls_channels))
        self.to_straight = nn.ModuleList(
            exchange(c, s)
            for s, c in zip(straight_channels, self.cls_channels))
        # Decoder: from the deepest map up, each step upsamples, adds the
        # skip of the stage above (through a 1x1 convolution) and mixes.
        self.lateral = nn.ModuleList(
            ConvModule(s, decoder_channels, 1, norm_cfg=dict(type='BN'))
            for s in straight_channels)
        self.fuse = nn.ModuleList(
            ConvModule(decoder_channels, decoder_channels, 3, padding=1,
                       norm_cfg=dict(type='BN'))
            for _ in straight_channels[:-1])
        self.to_image = nn.Conv2d(decoder_channels, 1, 3, padding=1)

    def _encode(self, inputs: torch.Tensor
                ) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        """The last map of the classification branch and the maps of
        every stage of the straightening encoder."""
        cls_stages = _resnet_stages(self.cls_backbone)
        straight_stages = _resnet_stages(self.straight_backbone)
        c = cls_stages[0](inputs)
        s = straight_stages[0](inputs)
        skips = []
        for cls_stage, straight_stage, to_cls, to_straight in zip(
                cls_stages[1:], straight_stages[1:], self.to_cls,
                self.to_straight):
            c, s = cls_stage(c), straight_stage(s)
            c, s = c + to_cls(s), s + to_straight(c)
            skips.append(s)
        return c, skips

    def _decode(self, skips: List[torch.Tensor],
                size: Tuple[int, int]) -> torch.Tensor:
        """The (N, 1, *size) straightened image in [0, 1]."""
        x = self.lateral[-1](skips[-1])
        for skip, lateral, fuse in zip(skips[-2::-1], self.lateral[-2::-1],
                                       self.fuse[::-1]):
            x = F.interpolate(x, size=skip.shape[-2:], mode='bilinear',
                              align_corners=False)
            x = fuse(x + lateral(skip))
        x = F.interpolate(x, size=size, mode='bilinear', align_corners=False)
        return torch.sigmoid(self.to_image(x))

    def forward_with_straight(
            self, inputs: torch.Tensor
    ) -> Tuple[Tuple[torch.Tensor], torch.Tensor]:
        """Run both branches, interleaved, and the decoder.

        Args:
            inputs (Tensor): (N, C, H, W) images.

        Returns:
            tuple: The last map of the classification branch, in a tuple,
            and the (N, 1, H, W) straightened image in [0, 1].
        """
        c, skips = self._encode(inputs)
        return (c, ), self._decode(skips, inputs.shape[-2:])

    def forward(self, inputs: torch.Tensor) -> Tuple[torch.Tensor]:
        """The last map of the classification branch, in a tuple."""
        return (self._encode(inputs)[0], )
