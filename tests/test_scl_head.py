import math

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmscl  # noqa: F401
from mmscl.models.losses import softmax_focal_loss
from test_losses import algorithm1


def make_samples(labels):
    return [DataSample().set_gt_label(int(label)) for label in labels]


def identity_head(dim, **kwargs):
    head = MODELS.build(
        dict(type='SCLHead', num_classes=dim, in_channels=dim, embed_dim=dim,
             hidden_channels=None, **kwargs))
    with torch.no_grad():
        head.embedding.weight.copy_(torch.eye(dim))
        head.classifier.weight.copy_(torch.eye(dim))
        head.classifier.bias.zero_()
    return head


def test_loss_is_the_papers():
    torch.manual_seed(0)
    head = identity_head(24)
    feats = torch.randn(48, 24)
    labels = torch.cat([torch.arange(24), torch.arange(24)])
    losses = head.loss((feats, ), make_samples(labels))

    t = torch.tensor(1 / 0.07)
    assert losses['temperature'].item() == pytest.approx(1 / 0.07)
    torch.testing.assert_close(losses['loss_con'],
                               algorithm1(feats[:24], feats[24:], t, 2.))
    # With identity layers the logits are the features.
    expected_cls = (softmax_focal_loss(feats[:24], labels[:24]).mean() +
                    softmax_focal_loss(feats[24:], labels[24:]).mean())
    torch.testing.assert_close(losses['loss_cls'], expected_cls)


def test_temperature_is_learnable_and_clamped():
    head = identity_head(4, init_temperature=0.07, max_logit_scale=100.)
    assert head.logit_scale.item() == pytest.approx(math.log(1 / 0.07))
    feats = torch.randn(8, 4)
    losses = head.loss((feats, ), make_samples([0, 1, 2, 3] * 2))
    (losses['loss_con'] + losses['loss_cls']).backward()
    assert head.logit_scale.grad is not None
    with torch.no_grad():
        head.logit_scale.fill_(math.log(1000.))
    assert head.get_logit_scale().item() == pytest.approx(100.)


def test_baseline_head_has_no_contrastive_term():
    head = identity_head(4, contrastive_loss=None)
    assert not hasattr(head, 'logit_scale')
    losses = head.loss((torch.randn(8, 4), ), make_samples([0, 1, 2, 3] * 2))
    assert set(losses) == {'loss_cls'}


def test_predict_returns_softmax_scores():
    head = MODELS.build(
        dict(type='SCLHead', num_classes=24, in_channels=16, embed_dim=32))
    feats = torch.randn(5, 16)
    samples = head.predict((feats, ))
    scores = torch.stack([s.pred_score for s in samples])
    torch.testing.assert_close(scores, F.softmax(head((feats, )), dim=1))
    torch.testing.assert_close(scores.sum(1), torch.ones(5))
    assert [s.pred_label.item() for s in samples] == \
        scores.argmax(1).tolist()


def test_float32_loss_under_autocast():
    head = identity_head(8)
    feats = torch.randn(16, 8)
    with torch.autocast(device_type='cpu', dtype=torch.bfloat16):
        losses = head.loss((feats, ), make_samples(list(range(8)) * 2))
    assert losses['loss_con'].dtype == torch.float32
    assert losses['loss_cls'].dtype == torch.float32
    torch.testing.assert_close(
        losses['loss_con'],
        algorithm1(feats[:8], feats[8:], torch.tensor(1 / 0.07), 2.),
        rtol=0.05, atol=0.05)


def test_bad_inputs_raise_clear_errors():
    head = identity_head(4)
    with pytest.raises(ValueError, match='in_channels'):
        head.loss((torch.randn(8, 5), ), make_samples([0, 1, 2, 3] * 2))
    with pytest.raises(ValueError, match='at least 2 samples'):
        head.loss((torch.randn(1, 4), ), make_samples([0]))


def test_odd_batch_leaves_the_last_sample_out_of_the_contrastive_term():
    torch.manual_seed(0)
    head = identity_head(4)
    feats = torch.randn(9, 4)
    labels = torch.tensor([0, 1, 2, 3, 0, 1, 2, 3, 1])
    losses = head.loss((feats, ), make_samples(labels))
    torch.testing.assert_close(
        losses['loss_con'],
        algorithm1(feats[:4], feats[4:8], torch.tensor(1 / 0.07), 2.))
    expected_cls = (softmax_focal_loss(feats[:4], labels[:4]).mean() +
                    softmax_focal_loss(feats[4:], labels[4:]).mean())
    torch.testing.assert_close(losses['loss_cls'], expected_cls)
