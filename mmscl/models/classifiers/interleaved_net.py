from typing import Dict, List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmpretrain.models.backbones import ResNet
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ..utils import stage_channels
from .base import MultiBranchClassifier


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
class InterleavedStraighteningNet(MultiBranchClassifier):
    """HR-Net (Zhang et al., IEEE JBHI 2021): chromosome classification and
    straightening in one interleaved multi-task network.

    Two ResNets run side by side: the classification branch
    (``cls_backbone``) and the encoder of the straightening branch
    (``straight_backbone``). After every residual stage each branch adds
    the other's map through a 1x1 convolution (the interleaving). A
    decoder with skips from the straightening encoder's stages (U-Net
    style) draws the straightened chromosome, ``(N, 1, H, W)`` in [0, 1]
    (1 = white) at the input's size; ``head`` classifies the pooled last
    map of the classification branch.

    The classification loss is always taken; the straightening loss
    (``loss_straight_weight`` times the mean squared error) only over the
    data samples that carry a target ``straight_img``, a ``(1, H, W)``
    float tensor in [0, 1] (see :class:`CopyStraightTarget`). A batch
    without any target trains the classification alone.

    Args:
        cls_backbone (dict): MMPretrain ``ResNet`` config of the
            classification branch.
        straight_backbone (dict): MMPretrain ``ResNet`` config of the
            straightening encoder, e.g. with fewer ``base_channels``.
        head (dict): Classification head on the pooled last map, e.g.
            ``LinearClsHead``; ``in_channels`` is set to that map's.
        decoder_channels (int): Channels of the decoder's maps. Defaults
            to 64.
        loss_straight_weight (float): Weight of the straightening loss.
            Defaults to 1.
        data_preprocessor (dict, optional): See
            :class:`MultiBranchClassifier`.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    def __init__(self,
                 cls_backbone: dict,
                 straight_backbone: dict,
                 head: dict,
                 decoder_channels: int = 64,
                 loss_straight_weight: float = 1.,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.cls_backbone = MODELS.build(cls_backbone)
        self.straight_backbone = MODELS.build(straight_backbone)
        for name, backbone in (('cls_backbone', self.cls_backbone),
                               ('straight_backbone',
                                self.straight_backbone)):
            if not isinstance(backbone, ResNet):
                raise ValueError(
                    f'InterleavedStraighteningNet: {name} must be an '
                    f'MMPretrain ResNet (its stages are interleaved), got '
                    f'{type(backbone).__name__}.')
        cls_channels = stage_channels(
            self.cls_backbone, 'InterleavedStraighteningNet: cls_backbone')
        straight_channels = stage_channels(
            self.straight_backbone,
            'InterleavedStraighteningNet: straight_backbone')
        if len(cls_channels) != len(straight_channels):
            raise ValueError(
                'InterleavedStraighteningNet: cls_backbone and '
                'straight_backbone must have as many stages (num_stages), '
                f'got {len(cls_channels)} and {len(straight_channels)}.')
        if decoder_channels <= 0 or loss_straight_weight < 0:
            raise ValueError(
                'InterleavedStraighteningNet: decoder_channels='
                f'{decoder_channels} must be positive and '
                f'loss_straight_weight={loss_straight_weight} not negative.')
        self.loss_straight_weight = loss_straight_weight

        def exchange(in_channels, out_channels):
            return ConvModule(in_channels, out_channels, 1,
                              norm_cfg=dict(type='BN'), act_cfg=None)

        self.to_cls = nn.ModuleList(
            exchange(s, c) for s, c in zip(straight_channels, cls_channels))
        self.to_straight = nn.ModuleList(
            exchange(c, s) for s, c in zip(straight_channels, cls_channels))
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
        self.head = MODELS.build(dict(head, in_channels=cls_channels[-1]))

    def forward_branches(self, inputs: torch.Tensor):
        """Run both branches, interleaved.

        Args:
            inputs (Tensor): (N, C, H, W) images.

        Returns:
            tuple: The (N, C_last) pooled last map of the classification
            branch and the (N, 1, H, W) straightened image in [0, 1].
        """
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
        x = self.lateral[-1](skips[-1])
        for skip, lateral, fuse in zip(skips[-2::-1], self.lateral[-2::-1],
                                       self.fuse[::-1]):
            x = F.interpolate(x, size=skip.shape[-2:], mode='bilinear',
                              align_corners=False)
            x = fuse(x + lateral(skip))
        x = F.interpolate(x, size=inputs.shape[-2:], mode='bilinear',
                          align_corners=False)
        return c.mean((2, 3)), torch.sigmoid(self.to_image(x))

    def extract_feat(self, inputs: torch.Tensor):
        """The pooled last map of the classification branch, in a tuple."""
        return (self.forward_branches(inputs)[0], )

    def straighten(self, inputs: torch.Tensor) -> torch.Tensor:
        """The (N, 1, H, W) straightened images in [0, 1]."""
        return self.forward_branches(inputs)[1]

    def cls_score(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.head(self.extract_feat(inputs))

    def predict(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        return self.head.predict(self.extract_feat(inputs), data_samples)

    def loss(self, inputs: torch.Tensor,
             data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        """The classification loss of the head, ``loss_cls``, and, where
        samples carry ``straight_img``, ``loss_straight``."""
        feat, straight = self.forward_branches(inputs)
        losses = self.head.loss((feat, ), data_samples)
        losses['loss_cls'] = losses.pop('loss')
        have = [i for i, s in enumerate(data_samples) if 'straight_img' in s]
        if have:
            targets = [data_samples[i].straight_img for i in have]
            wrong = [tuple(t.shape) for t in targets
                     if t.shape != straight.shape[1:]]
            if wrong:
                raise ValueError(
                    f'InterleavedStraighteningNet: straight_img of shape '
                    f'{wrong[0]} but the straightened image is '
                    f'{tuple(straight.shape[1:])}: make the target after '
                    'the Letterbox of the pipeline.')
            target = torch.stack(targets).to(straight)
            losses['loss_straight'] = self.loss_straight_weight * \
                F.mse_loss(straight[have], target)
        return losses
