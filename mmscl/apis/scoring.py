"""Score every sample of a data loader with a classifier, once."""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
from mmengine.utils import ProgressBar

# The features ``score_dataset`` can keep besides the scores.
FEATURE_TYPES = ('embedding', 'pooled')


@dataclass
class DatasetScores:
    """What a classifier makes of every sample of a data loader, in the
    loader's order.

    Args:
        scores (np.ndarray): The predictions' ``pred_score`` (softmax
            scores), shape (N, num_classes), float32.
        labels (np.ndarray): The true label index (``gt_label``) of every
            sample, shape (N, ), int64.
        img_paths (list[str]): The ``img_path`` of every sample.
        features (np.ndarray, optional): The feature asked for, as the
            model computes it (not normalised), shape (N, D), float32;
            None when none was asked for.
        metainfo (dict[str, list]): Every other field asked for, one value
            per sample.
    """
    scores: np.ndarray
    labels: np.ndarray
    img_paths: List[str]
    features: Optional[np.ndarray] = None
    metainfo: Dict[str, list] = field(default_factory=dict)


def _feature(model: nn.Module, feats, feature: str) -> torch.Tensor:
    """The ``feature`` of a batch from the output of ``extract_feat``."""
    if feature == 'embedding':
        feat = model.head.pre_logits(feats)
    else:
        feat = feats[-1] if isinstance(feats, tuple) else feats
    if feat.dim() != 2:
        raise ValueError(
            f'The {feature} feature has shape {tuple(feat.shape)}, not '
            '(N, C): is the backbone output pooled by a neck?')
    return feat


@torch.no_grad()
def score_dataset(model: nn.Module,
                  dataloader,
                  feature: Optional[str] = None,
                  metainfo_keys: Sequence[str] = (),
                  progress: bool = False) -> DatasetScores:
    """Run a classifier over a data loader in test mode and collect the
    scores (and, if asked, a feature) of every sample.

    Without ``feature``, each batch goes through ``model.test_step``, as in
    ``tools/test.py``. With it, the batch goes through the model's data
    preprocessor, ``extract_feat`` and ``head.predict`` (what
    ``ImageClassifier.predict`` runs), so that the feature and the scores
    come from one forward pass.

    Args:
        model (nn.Module): A classifier in eval mode (an ``ImageClassifier``
            when ``feature`` is given).
        dataloader (DataLoader): The samples, not shuffled; each must have
            a ``gt_label``.
        feature (str, optional): A feature to keep: ``'embedding'``, the
            head's ``pre_logits`` (the SCL embedding of :class:`SCLHead`,
            the same layer in a baseline), or ``'pooled'``, the pooled
            backbone (+ neck) feature the head receives. Defaults to None,
            which keeps none.
        metainfo_keys (Sequence[str]): Other fields of the data samples to
            collect, e.g. ``('cell_id', )``. Defaults to ().
        progress (bool): Show a progress bar. Defaults to False.

    Returns:
        DatasetScores: The scores, labels, image paths, the feature and the
        fields asked for, of every sample in loader order.
    """
    if feature is not None and feature not in FEATURE_TYPES:
        raise ValueError(f'feature must be one of {FEATURE_TYPES} or None, '
                         f'got {feature!r}.')
    scores, labels, img_paths, features = [], [], [], []
    metainfo = {key: [] for key in metainfo_keys}
    bar = ProgressBar(len(dataloader.dataset)) if progress else None
    for batch in dataloader:
        if feature is None:
            samples = model.test_step(batch)
        else:
            data = model.data_preprocessor(batch, False)
            feats = model.extract_feat(data['inputs'])
            features.append(_feature(model, feats, feature).float().cpu())
            samples = model.head.predict(feats, data['data_samples'])
        for sample in samples:
            img_path = sample.get('img_path', '')
            if 'gt_label' not in sample:
                raise ValueError(f'The sample {img_path!r} has no gt_label.')
            missing = [key for key in metainfo_keys if key not in sample]
            if missing:
                raise KeyError(f'The sample {img_path!r} has no {missing}.')
            scores.append(sample.pred_score.float().cpu())
            labels.append(int(sample.gt_label))
            img_paths.append(img_path)
            for key in metainfo_keys:
                metainfo[key].append(sample.get(key))
        if bar is not None:
            bar.update(len(samples))
    if bar is not None:
        print()
    if not scores:
        raise ValueError(f'{type(dataloader.dataset).__name__} yielded no '
                         'samples to score.')
    return DatasetScores(
        scores=torch.stack(scores).numpy(),
        labels=np.asarray(labels, dtype=np.int64),
        img_paths=img_paths,
        features=torch.cat(features).numpy() if features else None,
        metainfo=metainfo)
