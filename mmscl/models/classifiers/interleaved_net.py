from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ..utils import moved_keys_hook


@MODELS.register_module()
class InterleavedStraighteningNet(ImageClassifier):
    """Chromosome classification and straightening in one interleaved
    multi-task network (Zhang et al., IEEE JBHI 2021): an
    ``ImageClassifier`` of :class:`InterleavedResNets`, a pooling neck and
    a classification head, which adds the straightening loss.

    This is the model the SCL paper's Table 2 calls "HR-Net", the name
    mmscl's configs (``configs/_base_/models/hr-net.py``,
    ``configs/comparison/hr-net_*.py``) and benchmarks (method
    ``'hr-net'``) keep. It is not MMPretrain's ``HRNet`` (the
    high-resolution network of Wang et al.), with which it shares nothing.

    The classification loss is always taken; the straightening loss
    (``loss_straight_weight`` times the mean squared error) only over the
    data samples that carry a target ``straight_img``, a ``(1, H, W)``
    float tensor in [0, 1] (see :class:`CopyStraightTarget`). A batch
    without any target trains the classification alone.

    Args:
        backbone (dict): An :class:`InterleavedResNets` config.
        head (dict): Classification head on the pooled last map of the
            classification branch, e.g. ``LinearClsHead``; ``in_channels``
            is set to that map's.
        neck (dict, optional): Pools the map, e.g.
            ``dict(type='GlobalAveragePooling')``.
        loss_straight_weight (float): Weight of the straightening loss.
            Defaults to 1.
        data_preprocessor (dict, optional): As ``ImageClassifier``'s.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 neck: Optional[dict] = None,
                 loss_straight_weight: float = 1.,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if loss_straight_weight < 0:
            raise ValueError('InterleavedStraighteningNet: '
                             f'loss_straight_weight={loss_straight_weight} '
                             'must not be negative.')
        backbone = MODELS.build(backbone)
        head = dict(head, in_channels=backbone.cls_channels[-1])
        super().__init__(
            backbone=backbone, neck=neck, head=head,
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.loss_straight_weight = loss_straight_weight
        self._register_load_state_dict_pre_hook(moved_keys_hook(dict(
            backbone=('cls_backbone', 'straight_backbone', 'to_cls',
                      'to_straight', 'lateral', 'fuse', 'to_image'))))

    def straighten(self, inputs: torch.Tensor) -> torch.Tensor:
        """The (N, 1, H, W) straightened images in [0, 1]."""
        return self.backbone.forward_with_straight(inputs)[1]

    def loss(self, inputs: torch.Tensor,
             data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        """The classification loss of the head, ``loss_cls``, and, where
        samples carry ``straight_img``, ``loss_straight``."""
        maps, straight = self.backbone.forward_with_straight(inputs)
        losses = self.head.loss(self.neck(maps), data_samples)
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
