from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.heads import ClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


def _mlp(in_channels: int, hidden_channels: int,
         num_outputs: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(in_channels, hidden_channels), nn.ReLU(inplace=True),
        nn.Linear(hidden_channels, num_outputs))


def sample_labels(data_samples: List[DataSample], field: str = 'gt_label',
                  setting: str = '') -> torch.Tensor:
    """The (N, ) labels ``field`` of the data samples; an error naming
    ``setting`` where one lacks it."""
    missing = [i for i, s in enumerate(data_samples) if field not in s]
    if missing:
        raise ValueError(
            f'{field} is missing from data samples {missing[:5]} of '
            f'the batch{f", which {setting} needs" if setting else ""}.')
    return torch.cat([torch.as_tensor(s.get(field)).view(-1)
                      for s in data_samples]).long()


@MODELS.register_module()
class VarifocalHead(ClsHead):
    """The classifiers of Varifocal-Net (Qin et al., IEEE TMI 2019) on the
    pooled maps of :class:`VarifocalBackbone`: the G-Net maps, then the
    L-Net maps.

    The G-Net and the L-Net each have a linear type classifier on their
    last map. The ensemble (one MLP per task) classifies the concatenated
    maps, global and local scales and the depths of each; predictions and
    ``pre_logits`` are the ensemble's. The ensemble learns on the features
    detached, so that it does not train the networks.

    With ``num_polarities`` every classifier also has a polarity
    (orientation) task, read from the data samples' ``gt_polarity``.

    Args:
        global_channels (Sequence[int]): Channels of the G-Net maps.
        local_channels (Sequence[int]): Channels of the L-Net maps.
        num_classes (int): Number of types. Defaults to 24.
        hidden_channels (int): Hidden width of the ensemble MLPs.
            Defaults to 1024.
        num_polarities (int, optional): Number of polarity classes; None
            (default) leaves out the polarity task.
        loss (dict): Loss of every classifier. Defaults to
            ``dict(type='CrossEntropyLoss')``.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    def __init__(self,
                 global_channels: Sequence[int],
                 local_channels: Sequence[int],
                 num_classes: int = 24,
                 hidden_channels: int = 1024,
                 num_polarities: Optional[int] = None,
                 loss: dict = dict(type='CrossEntropyLoss'),
                 init_cfg: Optional[dict] = None):
        super().__init__(loss=loss, init_cfg=init_cfg)
        if num_classes <= 0:
            raise ValueError(
                f'VarifocalHead: num_classes={num_classes} must be positive.')
        if num_polarities is not None and num_polarities < 2:
            raise ValueError(f'VarifocalHead: num_polarities={num_polarities}'
                             ' must be at least 2, or None.')
        self.num_global_maps = len(global_channels)
        self.num_polarities = num_polarities
        tasks = dict(cls=num_classes)
        if num_polarities is not None:
            tasks['polarity'] = num_polarities
        self.global_fcs = nn.ModuleDict({
            task: nn.Linear(global_channels[-1], n)
            for task, n in tasks.items()
        })
        self.local_fcs = nn.ModuleDict({
            task: nn.Linear(local_channels[-1], n)
            for task, n in tasks.items()
        })
        ensemble_channels = sum(global_channels) + sum(local_channels)
        self.ensemble_mlps = nn.ModuleDict({
            task: _mlp(ensemble_channels, hidden_channels, n)
            for task, n in tasks.items()
        })

    def pre_logits(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        """The ensemble feature: the (N, sum of all channels) pooled maps,
        concatenated."""
        return torch.cat(tuple(feats), 1)

    def forward(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        """The ensemble's (N, num_classes) type logits."""
        return self.ensemble_mlps['cls'](self.pre_logits(feats))

    def _targets(self, data_samples: List[DataSample],
                 device: torch.device) -> Dict[str, torch.Tensor]:
        targets = dict(cls=sample_labels(data_samples).to(device))
        if self.num_polarities is not None:
            targets['polarity'] = sample_labels(
                data_samples, 'gt_polarity',
                f'model.head.num_polarities={self.num_polarities}').to(device)
        return targets

    def loss(self,
             feats: Tuple[torch.Tensor, ...],
             data_samples: List[DataSample],
             branch_losses: bool = True) -> Dict[str, torch.Tensor]:
        """The losses of every task (``cls``, the type; ``polarity``).

        Args:
            feats (tuple[Tensor]): The pooled G-Net and L-Net maps.
            data_samples (List[DataSample]): With ``gt_label`` (and
                ``gt_polarity`` with the polarity task).
            branch_losses (bool): Whether to take the losses of the G-Net
                and L-Net classifiers. Defaults to True.

        Returns:
            dict[str, Tensor]: ``loss_<task>_global`` and
            ``loss_<task>_local`` (with ``branch_losses``), then
            ``loss_<task>_ensemble``.
        """
        targets = self._targets(data_samples, feats[0].device)
        losses = {}
        if branch_losses:
            for task, target in targets.items():
                losses[f'loss_{task}_global'] = self.loss_module(
                    self.global_fcs[task](feats[self.num_global_maps - 1]),
                    target)
                losses[f'loss_{task}_local'] = self.loss_module(
                    self.local_fcs[task](feats[-1]), target)
        feat = self.pre_logits(feats).detach()
        for task, target in targets.items():
            losses[f'loss_{task}_ensemble'] = self.loss_module(
                self.ensemble_mlps[task](feat), target)
        return losses

    def predict(self,
                feats: Tuple[torch.Tensor, ...],
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        """The ensemble's predictions; with the polarity task also
        ``pred_polarity`` (arg-max) and ``pred_polarity_score``."""
        feat = self.pre_logits(feats)
        data_samples = self._get_predictions(
            self.ensemble_mlps['cls'](feat), data_samples)
        if self.num_polarities is not None:
            scores = F.softmax(self.ensemble_mlps['polarity'](feat), dim=1)
            for sample, score in zip(data_samples, scores):
                sample.set_field(score, 'pred_polarity_score')
                sample.set_field(score.argmax(), 'pred_polarity')
        return data_samples
