"""mmscl.apis.score_dataset: one pass of a classifier over a data loader,
pinned on a model whose outputs are known by hand."""
import math

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.dataset import pseudo_collate
from mmpretrain.models import ImageClassifier
from mmpretrain.structures import DataSample
from torch.utils.data import DataLoader

import mmscl  # noqa: F401
from mmscl.apis import score_dataset


class AsTuple(nn.Module):
    """A backbone that passes the image on, as backbones do, in a tuple."""

    def forward(self, x):
        return (x, )


def mean_classifier():
    """Pooled feature m = the image's mean grey level (no normalisation);
    logits (m, 0, -m) for three classes."""
    model = ImageClassifier(
        backbone=dict(type='LeNet5'),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=3, in_channels=1),
        data_preprocessor=dict(mean=[0.], std=[1.], to_rgb=False))
    model.backbone = AsTuple()
    with torch.no_grad():
        model.head.fc.weight.copy_(torch.tensor([[1.], [0.], [-1.]]))
        model.head.fc.bias.zero_()
    return model.eval()


def loader(levels, batch_size=2, cell_ids=True):
    samples = []
    for k, level in enumerate(levels):
        sample = DataSample(img_path=f'crop{k}.png').set_gt_label(k % 3)
        if cell_ids:
            sample.set_metainfo(dict(cell_id=f'cell{k // 2}'))
        samples.append(dict(
            inputs=torch.full((1, 4, 4), level, dtype=torch.uint8),
            data_samples=sample))
    return DataLoader(samples, batch_size=batch_size,
                      collate_fn=pseudo_collate)


def softmax_of_mean(level):
    exps = np.exp([level, 0., -level])
    return exps / exps.sum()


@pytest.mark.parametrize('feature', [None, 'pooled', 'embedding'])
def test_scores_in_loader_order(feature):
    """Three samples in batches of 2 and 1: the scores of each by hand,
    its label, path and cell, the feature (LinearClsHead's pre_logits is
    the pooled feature), from test_step or from one feature pass alike."""
    levels = [0, 1, 2]
    scored = score_dataset(mean_classifier(), loader(levels), feature,
                           metainfo_keys=('cell_id', ))
    np.testing.assert_allclose(
        scored.scores, [softmax_of_mean(level) for level in levels],
        rtol=1e-6)
    assert scored.scores.dtype == np.float32
    e = math.e
    assert math.isclose(scored.scores[1, 0], e / (e + 1 + 1 / e),
                        rel_tol=1e-6)
    assert scored.labels.tolist() == [0, 1, 2]
    assert scored.labels.dtype == np.int64
    assert scored.img_paths == ['crop0.png', 'crop1.png', 'crop2.png']
    assert scored.metainfo == {'cell_id': ['cell0', 'cell0', 'cell1']}
    if feature is None:
        assert scored.features is None
    else:
        assert scored.features.tolist() == [[0.], [1.], [2.]]


def test_bad_requests_are_named():
    model = mean_classifier()
    with pytest.raises(ValueError, match="feature must be one of "
                       r"\('embedding', 'pooled'\) or None, got 'logits'"):
        score_dataset(model, loader([0]), 'logits')
    with pytest.raises(KeyError, match=r"'crop0.png' has no \['cell_id'\]"):
        score_dataset(model, loader([0], cell_ids=False),
                      metainfo_keys=('cell_id', ))
    with pytest.raises(ValueError, match='yielded no samples'):
        score_dataset(model, loader([]))
