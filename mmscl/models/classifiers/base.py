from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.classifiers import BaseClassifier
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


class MultiBranchClassifier(BaseClassifier):
    """Base of the classifiers whose branches do not fit ``ImageClassifier``
    (backbone, neck, head in a row): Varifocal-Net and HR-Net.

    It builds the data preprocessor as ``ImageClassifier`` does (a
    ``ClsDataPreprocessor`` by default, filled from the config's
    ``data_preprocessor``), dispatches :meth:`forward` and turns type
    scores into the predictions ``ChromosomeMetric`` reads. Subclasses
    implement :meth:`extract_feat`, :meth:`loss` and :meth:`cls_score`.

    Args:
        data_preprocessor (dict | nn.Module, optional): The data
            preprocessor. Defaults to a ``ClsDataPreprocessor``.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    def __init__(self,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        data_preprocessor = data_preprocessor or {}
        if isinstance(data_preprocessor, dict):
            data_preprocessor.setdefault('type', 'ClsDataPreprocessor')
            data_preprocessor = MODELS.build(data_preprocessor)
        elif not isinstance(data_preprocessor, nn.Module):
            raise TypeError('data_preprocessor should be a dict or an '
                            f'nn.Module, got {type(data_preprocessor)}.')
        super().__init__(
            init_cfg=init_cfg, data_preprocessor=data_preprocessor)

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """``'tensor'``: the type scores (logits); ``'loss'``: the dict of
        losses; ``'predict'``: data samples with ``pred_score`` and
        ``pred_label``."""
        if mode == 'tensor':
            return self.cls_score(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}".')

    def cls_score(self, inputs: torch.Tensor) -> torch.Tensor:
        """The (N, num_classes) type logits of a batch of images."""
        raise NotImplementedError

    def predict(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        """Softmax scores and the arg-max type of every image.

        Args:
            inputs (Tensor): (N, C, H, W) images.
            data_samples (List[DataSample], optional): Filled in place when
                given.

        Returns:
            List[DataSample]: With ``pred_score`` and ``pred_label``.
        """
        return self.set_predictions(self.cls_score(inputs), data_samples)

    @staticmethod
    def set_predictions(cls_score: torch.Tensor,
                        data_samples: Optional[List[DataSample]] = None
                        ) -> List[DataSample]:
        """Set ``pred_score`` (softmax) and ``pred_label`` from (N, C)
        logits, on new data samples if none are given."""
        scores = F.softmax(cls_score.float(), dim=1)
        labels = scores.argmax(dim=1, keepdim=True).detach()
        if data_samples is None:
            data_samples = [DataSample() for _ in range(scores.size(0))]
        for sample, score, label in zip(data_samples, scores, labels):
            sample.set_pred_score(score).set_pred_label(label)
        return data_samples

    @staticmethod
    def labels(data_samples: List[DataSample], field: str = 'gt_label',
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
