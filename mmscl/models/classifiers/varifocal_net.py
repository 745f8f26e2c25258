from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ..utils import foreground_boxes, moved_keys_hook


@MODELS.register_module()
class VarifocalNet(ImageClassifier):
    """Varifocal-Net (Qin et al., IEEE TMI 2019) for chromosome types: an
    ``ImageClassifier`` of a :class:`VarifocalBackbone` (G-Net, box, zoom,
    L-Net), a pooling neck and a :class:`VarifocalHead` (G-Net, L-Net and
    ensemble classifiers), which adds the box loss and the training
    stages.

    Training runs in stages (``train_stage``, switched by
    :class:`TrainStageHook`):

    - ``'supervised'``: the G-Net and L-Net type losses, and the L1 loss of
      the box against the box of the chromosome (the dark foreground of the
      input, :func:`foreground_boxes`); the L-Net sees crops of the
      predicted box without a gradient into it.
    - ``'weakly_supervised'``: no box target; the L-Net type loss reaches
      the localisation subnet through the crop.
    - ``'ensemble'``: the backbone frozen (evaluation mode, no gradient);
      only the ensemble MLPs learn.

    In every stage the ensemble MLPs also learn on the features, detached,
    so that the model predicts sensibly before its last stage.

    Args:
        backbone (dict): A :class:`VarifocalBackbone` config.
        head (dict): A :class:`VarifocalHead` config; its
            ``global_channels`` and ``local_channels`` are set from the
            built backbone.
        neck (dict, optional): Pools the maps, e.g.
            ``dict(type='GlobalAveragePooling')``.
        loss_box_weight (float): Weight of the box loss in the supervised
            stage. Defaults to 1.
        foreground_threshold (float): ``threshold`` of
            :func:`foreground_boxes`. Defaults to 0.5.
        box_margin (float): ``margin`` of :func:`foreground_boxes`.
            Defaults to 0.05.
        train_stage (str): The stage to start with. Defaults to
            ``'supervised'``.
        data_preprocessor (dict, optional): As ``ImageClassifier``'s.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    train_stages = ('supervised', 'weakly_supervised', 'ensemble')

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 neck: Optional[dict] = None,
                 loss_box_weight: float = 1.,
                 foreground_threshold: float = 0.5,
                 box_margin: float = 0.05,
                 train_stage: str = 'supervised',
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        backbone = MODELS.build(backbone)
        head = dict(head, global_channels=backbone.global_channels,
                    local_channels=backbone.local_channels)
        super().__init__(
            backbone=backbone, neck=neck, head=head,
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.loss_box_weight = loss_box_weight
        self.foreground_threshold = foreground_threshold
        self.box_margin = box_margin
        self.train_stage = train_stage
        self._register_load_state_dict_pre_hook(moved_keys_hook(dict(
            backbone=('global_backbone', 'local_backbone', 'localizer'),
            head=('global_fcs', 'local_fcs', 'ensemble_mlps'))))

    @property
    def train_stage(self) -> str:
        """The training stage: one of :attr:`train_stages`."""
        return self._train_stage

    @train_stage.setter
    def train_stage(self, stage: str) -> None:
        if stage not in self.train_stages:
            raise ValueError(f'VarifocalNet: train_stage={stage!r} must be '
                             f'one of {self.train_stages}.')
        self._train_stage = stage

    def loss(self, inputs: torch.Tensor,
             data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        """The losses of the current :attr:`train_stage`.

        Returns:
            dict[str, Tensor]: The head's losses (the ensemble's alone in
            the ensemble stage); in the supervised stage ``loss_box``;
            before the ensemble stage ``box_area`` (logged, the mean area
            of the boxes as a fraction of the image's).
        """
        if self.train_stage == 'ensemble':
            self.backbone.eval()  # BatchNorm statistics frozen too.
            with torch.no_grad():
                feats = self.extract_feat(inputs)
            return self.head.loss(feats, data_samples, branch_losses=False)
        maps, boxes = self.backbone.forward_with_boxes(
            inputs, detach_boxes=self.train_stage == 'supervised')
        losses = self.head.loss(self.neck(maps), data_samples)
        if self.train_stage == 'supervised':
            box_targets = foreground_boxes(
                inputs, self.foreground_threshold, self.box_margin,
                getattr(self.backbone.localizer, 'min_size', 0.))
            losses['loss_box'] = self.loss_box_weight * F.l1_loss(
                boxes, box_targets)
        sides = (boxes[:, 2:] - boxes[:, :2]).detach()
        losses['box_area'] = sides.prod(1).mean()
        return losses
