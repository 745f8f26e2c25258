import math

import pytest
import torch
import torch.nn.functional as F

from mmscl.models.losses import (PairedContrastiveLoss, SoftmaxFocalLoss,
                                 softmax_focal_loss)


def algorithm1(emb1, emb2, t, gamma):
    """A direct transcription of the paper's Algorithm 1 (paired batches,
    the diagonal being the target), with the focal loss of Lin et al."""
    e1 = emb1 / emb1.norm(dim=1, keepdim=True)
    e2 = emb2 / emb2.norm(dim=1, keepdim=True)
    y = torch.arange(len(e1))

    def focal(s):
        p_t = s.softmax(dim=1)[y, y]
        return (-(1 - p_t)**gamma * p_t.log()).mean()

    s11, s12, s22 = e1 @ e1.t() * t, e1 @ e2.t() * t, e2 @ e2.t() * t
    return sum(focal(s) + focal(s.t()) for s in (s11, s12, s22))


def previous_paired_loss(e1, e2, l1, l2, t, gamma):
    """A transcription of the contrastive loss before its rewrite: one
    (2n, 2n) similarity matrix, the rows of its blocks S_ij weighted 2, 1,
    1, 2 (the columns of the symmetric S11, S22 being their rows)."""
    n = len(e1)
    queries, labels = torch.cat([e1, e2]), torch.cat([l1, l2])
    logits = (queries @ queries.t() * t).view(2, n, 2, n)
    positives = (labels[:, None] == labels[None, :]).float().view(2, n, 2, n)
    num_positives = positives.sum(dim=-1, keepdim=True)
    target = positives / num_positives.clamp(min=1)
    has_target = (num_positives[..., 0] > 0).float()
    block_weights = torch.tensor([[2., 1.], [1., 2.]])
    row_weights = has_target * (block_weights[:, None] /
                                has_target.sum(dim=1, keepdim=True).clamp(1))
    per_row = softmax_focal_loss(logits.reshape(4 * n, n),
                                 target.reshape(4 * n, n), gamma)
    return (per_row * row_weights.reshape(4 * n)).sum()


def contrastive(loss, e1, e2, l1, l2, t):
    """``loss`` on the halves B1, B2 stacked as the head does."""
    return loss(torch.stack([e1, e2]), torch.stack([l1, l2]), t)


def test_focal_loss_hand_computed():
    # Two classes, logits (log 3, 0): p = (3/4, 1/4).
    logits = torch.tensor([[math.log(3.), 0.]])
    loss = SoftmaxFocalLoss(gamma=2.0)(logits, torch.tensor([0]))
    assert loss.item() == pytest.approx(-(1 / 4)**2 * math.log(3 / 4))
    loss = SoftmaxFocalLoss(gamma=2.0)(logits, torch.tensor([1]))
    assert loss.item() == pytest.approx(-(3 / 4)**2 * math.log(1 / 4))


def test_gamma_zero_is_cross_entropy():
    torch.manual_seed(0)
    logits = torch.randn(16, 24) * 3
    labels = torch.randint(0, 24, (16, ))
    loss = SoftmaxFocalLoss(gamma=0.)(logits, labels)
    torch.testing.assert_close(
        loss, F.cross_entropy(logits, labels), rtol=1e-6, atol=1e-7)
    soft = F.softmax(torch.randn(16, 24), dim=1)
    torch.testing.assert_close(
        SoftmaxFocalLoss(gamma=0.)(logits, soft),
        F.cross_entropy(logits, soft), rtol=1e-6, atol=1e-7)


def test_focal_down_weights_easy_samples():
    logits = torch.tensor([[4., 0., 0.], [0.2, 0., 0.]])
    labels = torch.tensor([0, 0])
    ce = softmax_focal_loss(logits, labels, gamma=0.)
    focal = softmax_focal_loss(logits, labels, gamma=2.)
    ratio = focal / ce
    assert ratio[0] < 0.002 and 0.3 < ratio[1] < 0.5


def test_focal_loss_weight_reduction_and_switch():
    logits = torch.tensor([[1., 0.], [0., 1.]])
    labels = torch.tensor([0, 0])
    per_sample = softmax_focal_loss(logits, labels, gamma=2.)
    loss = SoftmaxFocalLoss(gamma=2., loss_weight=0.5, reduction='sum')
    assert loss(logits, labels).item() == pytest.approx(
        0.5 * per_sample.sum().item())
    loss.in_ce_warmup = True
    assert loss(logits, labels).item() == pytest.approx(
        0.5 * F.cross_entropy(logits, labels, reduction='sum').item())
    with pytest.raises(ValueError, match='gamma'):
        SoftmaxFocalLoss(gamma=-1)


@pytest.mark.parametrize('gamma', [0., 2.])
def test_contrastive_loss_equals_algorithm1(gamma):
    torch.manual_seed(0)
    emb1, emb2 = torch.randn(24, 32), torch.randn(24, 32)
    labels = torch.arange(24)
    t = torch.tensor(1 / 0.07)
    loss = contrastive(PairedContrastiveLoss(gamma=gamma), F.normalize(emb1),
                       F.normalize(emb2), labels, labels, t)
    torch.testing.assert_close(loss, algorithm1(emb1, emb2, t, gamma))


@pytest.mark.parametrize('gamma', [0., 2.])
@pytest.mark.parametrize('labels2', [[0, 1, 2, 3], [0, 0, 2, 1], [4, 5, 0, 1]])
def test_contrastive_loss_equals_the_previous_computation(gamma, labels2):
    # Paired, multi-positive, and with types missing from the other half.
    torch.manual_seed(1)
    e1, e2 = F.normalize(torch.randn(4, 6)), F.normalize(torch.randn(4, 6))
    l1, l2 = torch.tensor([0, 1, 2, 3]), torch.tensor(labels2)
    t = torch.tensor(7.)
    torch.testing.assert_close(
        contrastive(PairedContrastiveLoss(gamma=gamma), e1, e2, l1, l2, t),
        previous_paired_loss(e1, e2, l1, l2, t, gamma))


def test_contrastive_loss_hand_computed():
    # Orthonormal embeddings, t = 1: S11 = S22 = I and S12 = [[0, 1], [1, 0]]
    # (B2 is swapped). With e = exp(1), every row of S11, S22 puts
    # p = e / (e + 1) on its positive, every row of S12 1 / (e + 1).
    e1 = torch.eye(2)
    e2 = torch.eye(2).flip(0)
    labels = torch.tensor([0, 1])
    p_easy, p_hard = math.e / (math.e + 1), 1 / (math.e + 1)
    ce = 4 * -math.log(p_easy) + 2 * -math.log(p_hard)
    focal = (4 * -(1 - p_easy)**2 * math.log(p_easy) +
             2 * -(1 - p_hard)**2 * math.log(p_hard))
    for gamma, expected in ((0., ce), (2., focal)):
        loss = contrastive(PairedContrastiveLoss(gamma=gamma), e1, e2,
                           labels, labels, torch.tensor(1.))
        assert loss.item() == pytest.approx(expected, rel=1e-6)
    # The CE warm-up: gamma 0 and the warm-up weight.
    loss = PairedContrastiveLoss(gamma=2., loss_weight=5.,
                                 warmup_loss_weight=0.5)
    loss.in_ce_warmup = True
    assert contrastive(loss, e1, e2, labels, labels,
                       torch.tensor(1.)).item() == pytest.approx(0.5 * ce)


def test_contrastive_loss_multi_positive():
    # B1 holds type 0 twice: in S12 row 0 and row 1 share the positive
    # column 0; row 2 (type 1) has column 1. Column 2 (type 2 in B2) has
    # no positive in B1 and is left out of the column loss of S12.
    e1 = F.normalize(torch.tensor([[1., 0.], [1., 1.], [0., 1.]]))
    e2 = F.normalize(torch.tensor([[1., 0.2], [0.1, 1.], [-1., 0.]]))
    l1, l2 = torch.tensor([0, 0, 1]), torch.tensor([0, 1, 2])
    t = torch.tensor(2.)
    ce = PairedContrastiveLoss(gamma=0.)

    def ce_rows(logits, pos):
        keep = pos.sum(1) > 0
        target = pos[keep] / pos[keep].sum(1, keepdim=True)
        return -(target * logits[keep].log_softmax(1)).sum(1).mean()

    expected = 0
    for a, la, b, lb in ((e1, l1, e1, l1), (e1, l1, e2, l2),
                         (e2, l2, e2, l2)):
        s = t * a @ b.t()
        pos = (la[:, None] == lb[None]).float()
        expected = expected + ce_rows(s, pos) + ce_rows(s.t(), pos.t())
    # S11 rows 0 and 1 each have two positives (columns 0 and 1).
    s11 = t * e1 @ e1.t()
    assert ce_rows(s11, (l1[:, None] == l1[None]).float()).item() == \
        pytest.approx(
            (-(0.5 * s11[0, :2].sum() - s11[0].logsumexp(0)) -
             (0.5 * s11[1, :2].sum() - s11[1].logsumexp(0)) -
             (s11[2, 2] - s11[2].logsumexp(0))).item() / 3, rel=1e-5)
    torch.testing.assert_close(contrastive(ce, e1, e2, l1, l2, t), expected)


def test_contrastive_loss_weight_and_gradient():
    emb1 = torch.randn(4, 8, requires_grad=True)
    emb2 = torch.randn(4, 8)
    labels = torch.arange(4)
    t = torch.tensor(10., requires_grad=True)
    base = contrastive(PairedContrastiveLoss(), F.normalize(emb1),
                       F.normalize(emb2), labels, labels, t)
    double = contrastive(PairedContrastiveLoss(loss_weight=2.),
                         F.normalize(emb1), F.normalize(emb2), labels,
                         labels, t)
    assert double.item() == pytest.approx(2 * base.item())
    base.backward()
    assert emb1.grad.abs().sum() > 0 and t.grad is not None


def test_contrastive_loss_bad_inputs():
    with pytest.raises(ValueError, match=r'\(2, n, D\)'):
        PairedContrastiveLoss()(torch.randn(3, 4, 2), torch.zeros(3, 4),
                                torch.tensor(1.))
    with pytest.raises(ValueError, match=r'labels \(2, n\)'):
        PairedContrastiveLoss()(torch.randn(2, 4, 2), torch.zeros(2, 3),
                                torch.tensor(1.))
    with pytest.raises(ValueError, match='gamma'):
        PairedContrastiveLoss(gamma=-1.)
