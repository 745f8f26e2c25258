from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from ..utils import out_channels, zoom_crop


@MODELS.register_module()
class VarifocalBackbone(BaseModule):
    """The two networks of Varifocal-Net (Qin et al., IEEE TMI 2019) with
    the zoom between them, as one backbone.

    The global network (G-Net: ``global_backbone`` and its localisation
    subnet ``localizer``) sees the whole image and regresses a box; the
    varifocal zoom crops that box from the input and resamples it to
    ``zoom_size`` (:func:`zoom_crop`, differentiable in the box); the local
    network (L-Net: ``local_backbone``) sees the crop.

    Args:
        global_backbone (dict): G-Net trunk config, an MMPretrain
            ``ResNet``; its ``out_indices`` maps are returned, the last one
            also feeds the localisation subnet.
        local_backbone (dict): L-Net trunk config, as ``global_backbone``.
        localizer (dict): The localisation subnet; ``in_channels`` is set
            to the channels of the last G-Net map. Defaults to
            ``dict(type='BoxLocalizer')``.
        zoom_size (int, optional): Side of the crops the L-Net sees.
            Defaults to None: the input's side.
        global_scale (float): The G-Net sees the input resized by this
            factor in (0, 1]; below 1 the crops come from an input of more
            pixels than the G-Net sees. Defaults to 1.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    #: The branch whose maps lie on the input image (the L-Net's lie on
    #: the crop): where class activation maps are taken.
    image_branch = 'global_backbone'

    def __init__(self,
                 global_backbone: dict,
                 local_backbone: dict,
                 localizer: dict = dict(type='BoxLocalizer'),
                 zoom_size: Optional[int] = None,
                 global_scale: float = 1.,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if zoom_size is not None and not (isinstance(zoom_size, int)
                                          and zoom_size > 0):
            raise ValueError(f'VarifocalBackbone: zoom_size={zoom_size!r} '
                             'must be a positive int or None.')
        if not 0 < global_scale <= 1:
            raise ValueError(f'VarifocalBackbone: global_scale='
                             f'{global_scale} must be in (0, 1].')
        self.zoom_size = zoom_size
        self.global_scale = global_scale
        self.global_backbone = MODELS.build(global_backbone)
        self.local_backbone = MODELS.build(local_backbone)
        #: The channels of the G-Net's and the L-Net's maps.
        self.global_channels = out_channels(
            self.global_backbone, 'VarifocalBackbone: global_backbone')
        self.local_channels = out_channels(
            self.local_backbone, 'VarifocalBackbone: local_backbone')
        self.localizer = MODELS.build(
            dict(localizer, in_channels=self.global_channels[-1]))

    def forward_with_boxes(
            self,
            inputs: torch.Tensor,
            detach_boxes: bool = False
    ) -> Tuple[Tuple[torch.Tensor, ...], torch.Tensor]:
        """Run the G-Net, the zoom and the L-Net.

        Args:
            inputs (Tensor): (N, C, H, W) images.
            detach_boxes (bool): Crop without a gradient into the boxes.

        Returns:
            tuple: The G-Net maps followed by the L-Net maps, and the (N, 4)
            boxes (x1, y1, x2, y2 as fractions of the image side).
        """
        global_inputs = inputs
        if self.global_scale != 1:
            global_inputs = F.interpolate(
                inputs, scale_factor=self.global_scale, mode='bilinear',
                align_corners=False, antialias=True)
        global_feats = self.global_backbone(global_inputs)
        boxes = self.localizer(global_feats[-1])
        crops = zoom_crop(inputs, boxes.detach() if detach_boxes else boxes,
                          self.zoom_size or tuple(inputs.shape[-2:]))
        local_feats = self.local_backbone(crops)
        return tuple(global_feats) + tuple(local_feats), boxes

    def forward(self, inputs: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """The G-Net maps followed by the L-Net maps."""
        return self.forward_with_boxes(inputs)[0]
