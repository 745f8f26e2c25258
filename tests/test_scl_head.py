import math

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmscl  # noqa: F401
from mmengine.config import Config
from mmscl.models.losses import softmax_focal_loss
from conftest import CONFIGS
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
    assert losses['logit_scale'].item() == pytest.approx(1 / 0.07)
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
    assert head.logit_scale.item() == pytest.approx(math.log(100.))


def test_clamped_temperature_comes_back_down():
    # B2 swapped (1, 0): every S12 row puts its positive on the lower
    # logit, so the loss grows with t and its gradient pushes t down, also
    # from the clamp.
    head = identity_head(2, contrastive_loss=dict(
        type='PairedContrastiveLoss', gamma=0.))
    optimizer = torch.optim.SGD([head.logit_scale], lr=0.01)
    with torch.no_grad():
        head.logit_scale.fill_(math.log(1000.))
    feats = torch.tensor([[1., 0.], [0., 1.], [0., 1.], [1., 0.]])
    losses = head.loss((feats, ), make_samples([0, 1, 0, 1]))
    assert losses['logit_scale'].item() == pytest.approx(100.)
    losses['loss_con'].backward()
    assert head.logit_scale.grad.item() > 0
    optimizer.step()
    losses = head.loss((feats, ), make_samples([0, 1, 0, 1]))
    assert losses['logit_scale'].item() < 99.


def test_baseline_head_has_the_whole_batch_loss():
    head = identity_head(4, contrastive_loss=None)
    assert not hasattr(head, 'logit_scale')
    feats = torch.randn(7, 4)
    labels = torch.tensor([0, 1, 2, 3, 3, 3, 1])  # any batch, odd too
    losses = head.loss((feats, ), make_samples(labels))
    assert set(losses) == {'loss_cls'}
    torch.testing.assert_close(losses['loss_cls'],
                               softmax_focal_loss(feats, labels).mean())


def test_head_refuses_a_batch_that_is_not_paired():
    head = identity_head(4)
    for labels in ([0, 1, 2, 3, 1, 0, 2, 3], [0, 1, 2, 3, 0, 1, 2, 3, 1],
                   [0]):
        with pytest.raises(ValueError, match='halves hold the same types'):
            head.loss((torch.randn(len(labels), 4), ), make_samples(labels))


def test_bad_settings():
    with pytest.raises(ValueError, match='init_temperature'):
        identity_head(4, init_temperature=0.001, max_logit_scale=100.)
    with pytest.raises(ValueError, match='init_temperature'):
        identity_head(4, init_temperature=-0.07)
    with pytest.raises(ValueError, match='init_temperature'):
        identity_head(4, init_temperature=0.)


@pytest.mark.parametrize('warmup', [True, False])
def test_authors_preset_is_their_combination(tmp_path, warmup):
    # Used as the preset's comment says.
    config = tmp_path / 'authors.py'
    config.write_text(
        f"_base_ = ['{CONFIGS}/scl/resnet34_ogh.py',\n"
        f"          '{CONFIGS}/_base_/models/scl_classifier_authors.py']\n"
        'model = dict(head=_base_.authors_head)\n')
    head_cfg = Config.fromfile(str(config)).model.head
    head = identity_head(24, loss=head_cfg.loss,
                         contrastive_loss=head_cfg.contrastive_loss)
    for module in (head.loss_module, head.contrastive_loss):
        module.in_ce_warmup = warmup
    torch.manual_seed(0)
    feats = torch.randn(48, 24)
    labels = torch.arange(24).repeat(2)
    losses = head.loss((feats, ), make_samples(labels))

    # The authors: 0.5 x (rows + columns) of S11, S12, S22, focal losses
    # times 10 (plain CE in the warm-up), plus 2 x 10 x the mean loss of
    # all 48 predictions (with identity layers, the features).
    gamma, factor = (0., 1.) if warmup else (2., 10.)
    e1, e2 = F.normalize(feats[:24]), F.normalize(feats[24:])
    t = 1 / 0.07
    con = sum(0.5 * factor * (softmax_focal_loss(s, labels[:24], gamma) +
                              softmax_focal_loss(s.t(), labels[:24], gamma)
                              ).mean()
              for s in (t * e1 @ e1.t(), t * e1 @ e2.t(), t * e2 @ e2.t()))
    cls = 2 * 10 * softmax_focal_loss(feats, labels, gamma).mean()
    torch.testing.assert_close(losses['loss_con'] + losses['loss_cls'],
                               con + cls)
    # The effective lambda1 / lambda2.
    ratio = head.contrastive_loss.warmup_loss_weight if warmup \
        else head.contrastive_loss.loss_weight
    assert ratio / head.loss_module.loss_weight == (0.05 if warmup else 0.5)


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
