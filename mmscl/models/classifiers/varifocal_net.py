from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ..utils import foreground_boxes, out_channels, zoom_crop
from .base import MultiBranchClassifier


def _mlp(in_channels: int, hidden_channels: int,
         num_outputs: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(in_channels, hidden_channels), nn.ReLU(inplace=True),
        nn.Linear(hidden_channels, num_outputs))


def _pooled(feats: Sequence[torch.Tensor]) -> List[torch.Tensor]:
    """(N, C_i, h_i, w_i) maps -> (N, C_i) averages."""
    return [feat.mean((2, 3)) for feat in feats]


@MODELS.register_module()
class VarifocalNet(MultiBranchClassifier):
    """Varifocal-Net (Qin et al., IEEE TMI 2019) for chromosome types.

    The global network (G-Net: ``global_backbone`` and its localisation
    subnet ``localizer``) sees the whole image and regresses a box; the
    varifocal zoom crops that box from the input and resamples it to
    ``zoom_size`` (:func:`zoom_crop`, differentiable in the box); the local
    network (L-Net: ``local_backbone``) sees the crop. Each network has a
    linear type classifier on its last feature map. The ensemble (one MLP
    per task) classifies the concatenated averages of all feature maps both
    backbones return (``out_indices``): global and local scales, and the
    depths of each. Predictions are the ensemble's.

    Training runs in stages (``train_stage``, switched by
    :class:`TrainStageHook`):

    - ``'supervised'``: the G-Net and L-Net type losses, and the L1 loss of
      the box against the box of the chromosome (the dark foreground of the
      input, :func:`foreground_boxes`); the L-Net sees crops of the
      predicted box without a gradient into it.
    - ``'weakly_supervised'``: no box target; the L-Net type loss reaches
      the localisation subnet through the crop.
    - ``'ensemble'``: both networks and the localisation subnet frozen
      (evaluation mode, no gradient); only the ensemble MLPs learn.

    In every stage the ensemble MLPs also learn on the features, detached,
    so that the model predicts sensibly before its last stage.

    With ``num_polarities`` every network and the ensemble also classify
    the polarity (orientation) of the chromosome, read from the data
    samples' ``gt_polarity``; the public sets have no such label, so it is
    off by default.

    Args:
        global_backbone (dict): G-Net trunk config, an MMPretrain
            ``ResNet``; its ``out_indices`` maps feed the ensemble, the last
            one also the localisation subnet and the G-Net classifier.
        local_backbone (dict): L-Net trunk config, as ``global_backbone``.
        num_classes (int): Number of types. Defaults to 24.
        localizer (dict): The localisation subnet; ``in_channels`` is set
            to the channels of the last G-Net map. Defaults to
            ``dict(type='BoxLocalizer')``.
        zoom_size (int, optional): Side of the crops the L-Net sees.
            Defaults to None: the input's side.
        global_scale (float): The G-Net sees the input resized by this
            factor in (0, 1]; below 1 the crops come from an input of more
            pixels than the G-Net sees. Defaults to 1.
        hidden_channels (int): Hidden width of the ensemble MLPs.
            Defaults to 1024.
        num_polarities (int, optional): Number of polarity classes; None
            (default) leaves out the polarity task.
        loss (dict): Loss of every classifier. Defaults to
            ``dict(type='CrossEntropyLoss')``.
        loss_box_weight (float): Weight of the box loss in the supervised
            stage. Defaults to 1.
        foreground_threshold (float): ``threshold`` of
            :func:`foreground_boxes`. Defaults to 0.5.
        box_margin (float): ``margin`` of :func:`foreground_boxes`.
            Defaults to 0.05.
        train_stage (str): The stage to start with. Defaults to
            ``'supervised'``.
        data_preprocessor (dict, optional): See
            :class:`MultiBranchClassifier`.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    train_stages = ('supervised', 'weakly_supervised', 'ensemble')

    def __init__(self,
                 global_backbone: dict,
                 local_backbone: dict,
                 num_classes: int = 24,
                 localizer: dict = dict(type='BoxLocalizer'),
                 zoom_size: Optional[int] = None,
                 global_scale: float = 1.,
                 hidden_channels: int = 1024,
                 num_polarities: Optional[int] = None,
                 loss: dict = dict(type='CrossEntropyLoss'),
                 loss_box_weight: float = 1.,
                 foreground_threshold: float = 0.5,
                 box_margin: float = 0.05,
                 train_stage: str = 'supervised',
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if num_classes <= 0:
            raise ValueError(
                f'VarifocalNet: num_classes={num_classes} must be positive.')
        if zoom_size is not None and not (isinstance(zoom_size, int)
                                          and zoom_size > 0):
            raise ValueError(f'VarifocalNet: zoom_size={zoom_size!r} must '
                             'be a positive int or None.')
        if not 0 < global_scale <= 1:
            raise ValueError(f'VarifocalNet: global_scale={global_scale} '
                             'must be in (0, 1].')
        if num_polarities is not None and num_polarities < 2:
            raise ValueError(f'VarifocalNet: num_polarities={num_polarities}'
                             ' must be at least 2, or None.')
        self.zoom_size = zoom_size
        self.global_scale = global_scale
        self.num_polarities = num_polarities
        self.loss_box_weight = loss_box_weight
        self.foreground_threshold = foreground_threshold
        self.box_margin = box_margin
        self.train_stage = train_stage

        self.global_backbone = MODELS.build(global_backbone)
        self.local_backbone = MODELS.build(local_backbone)
        self.global_channels = out_channels(
            self.global_backbone, 'VarifocalNet: global_backbone')
        self.local_channels = out_channels(
            self.local_backbone, 'VarifocalNet: local_backbone')
        self.localizer = MODELS.build(
            dict(localizer, in_channels=self.global_channels[-1]))
        self.loss_module = MODELS.build(loss)

        ensemble_channels = sum(self.global_channels) + sum(
            self.local_channels)
        tasks = dict(cls=num_classes)
        if num_polarities is not None:
            tasks['polarity'] = num_polarities
        self.global_fcs = nn.ModuleDict({
            task: nn.Linear(self.global_channels[-1], n)
            for task, n in tasks.items()
        })
        self.local_fcs = nn.ModuleDict({
            task: nn.Linear(self.local_channels[-1], n)
            for task, n in tasks.items()
        })
        self.ensemble_mlps = nn.ModuleDict({
            task: _mlp(ensemble_channels, hidden_channels, n)
            for task, n in tasks.items()
        })

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

    def forward_branches(
        self,
        inputs: torch.Tensor,
        detach_boxes: bool = False
    ) -> Tuple[Tuple[torch.Tensor], torch.Tensor, Tuple[torch.Tensor]]:
        """Run the G-Net, the zoom and the L-Net.

        Args:
            inputs (Tensor): (N, C, H, W) images.
            detach_boxes (bool): Crop without a gradient into the boxes.

        Returns:
            tuple: The G-Net maps, the (N, 4) boxes (x1, y1, x2, y2 as
            fractions of the image side) and the L-Net maps.
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
        return global_feats, boxes, local_feats

    def extract_feat(self, inputs: torch.Tensor) -> Tuple[torch.Tensor]:
        """The ensemble feature: (N, sum of all channels), in a tuple."""
        global_feats, _, local_feats = self.forward_branches(inputs)
        return (torch.cat(_pooled(global_feats) + _pooled(local_feats), 1), )

    def cls_score(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.ensemble_mlps['cls'](self.extract_feat(inputs)[0])

    def predict(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        """The ensemble's predictions; with the polarity task also
        ``pred_polarity`` (arg-max) and ``pred_polarity_score``."""
        feat = self.extract_feat(inputs)[0]
        data_samples = self.set_predictions(
            self.ensemble_mlps['cls'](feat), data_samples)
        if self.num_polarities is not None:
            scores = F.softmax(self.ensemble_mlps['polarity'](feat), dim=1)
            for sample, score in zip(data_samples, scores):
                sample.set_field(score, 'pred_polarity_score')
                sample.set_field(score.argmax(), 'pred_polarity')
        return data_samples

    def _targets(self, data_samples: List[DataSample],
                 device: torch.device) -> Dict[str, torch.Tensor]:
        targets = dict(cls=self.labels(data_samples).to(device))
        if self.num_polarities is not None:
            targets['polarity'] = self.labels(
                data_samples, 'gt_polarity',
                f'model.num_polarities={self.num_polarities}').to(device)
        return targets

    def loss(self, inputs: torch.Tensor,
             data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        """The losses of the current :attr:`train_stage`.

        Returns:
            dict[str, Tensor]: Per task (``cls``, the type; ``polarity``)
            the losses
            ``loss_<task>_ensemble`` and, before the ensemble stage,
            ``loss_<task>_global`` and ``loss_<task>_local``; in the
            supervised stage ``loss_box``; ``box_area`` (logged, the mean
            area of the boxes as a fraction of the image's).
        """
        targets = self._targets(data_samples, inputs.device)
        losses = {}
        if self.train_stage == 'ensemble':
            frozen = (self.global_backbone, self.localizer,
                      self.local_backbone)
            for module in frozen:
                module.eval()  # BatchNorm statistics frozen too.
            with torch.no_grad():
                feat = self.extract_feat(inputs)[0]
        else:
            global_feats, boxes, local_feats = self.forward_branches(
                inputs, detach_boxes=self.train_stage == 'supervised')
            # Each map pooled once: (N, C_i, h_i, w_i) -> (N, C_i); the last
            # ones feed the G-Net and L-Net classifiers, all the ensemble.
            global_pooled = _pooled(global_feats)
            local_pooled = _pooled(local_feats)
            for task, target in targets.items():
                losses[f'loss_{task}_global'] = self.loss_module(
                    self.global_fcs[task](global_pooled[-1]), target)
                losses[f'loss_{task}_local'] = self.loss_module(
                    self.local_fcs[task](local_pooled[-1]), target)
            if self.train_stage == 'supervised':
                box_targets = foreground_boxes(
                    inputs, self.foreground_threshold, self.box_margin,
                    getattr(self.localizer, 'min_size', 0.))
                losses['loss_box'] = self.loss_box_weight * F.l1_loss(
                    boxes, box_targets)
            sides = (boxes[:, 2:] - boxes[:, :2]).detach()
            losses['box_area'] = sides.prod(1).mean()
            feat = torch.cat(global_pooled + local_pooled, 1).detach()
        for task, target in targets.items():
            losses[f'loss_{task}_ensemble'] = self.loss_module(
                self.ensemble_mlps[task](feat), target)
        return losses
