from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.losses.utils import weight_reduce_loss
from mmpretrain.registry import MODELS


def softmax_focal_loss(cls_score: torch.Tensor,
                       target: torch.Tensor,
                       gamma: float = 2.0) -> torch.Tensor:
    """Multi-class (softmax) focal loss of every sample.

    ``loss_i = -sum_c q_ic * (1 - p_ic) ** gamma * log(p_ic)`` where ``p`` is
    the softmax of ``cls_score`` and ``q`` the target distribution. With
    ``gamma=0`` this is cross-entropy.

    Args:
        cls_score (torch.Tensor): Logits, shape (N, C).
        target (torch.Tensor): Hard labels of shape (N, ) or a target
            distribution of shape (N, C) (each row sums to 1; several
            positives share the mass).
        gamma (float): The focusing parameter. Defaults to 2.0.

    Returns:
        torch.Tensor: The loss of each sample, shape (N, ).
    """
    log_prob = F.log_softmax(cls_score.float(), dim=1)
    if target.dim() == 1:
        target = F.one_hot(target.long(), cls_score.size(1))
    target = target.to(log_prob.dtype)
    if gamma == 0:
        return -(target * log_prob).sum(dim=1)
    modulator = (1 - log_prob.exp()).clamp(min=0).pow(gamma)
    return -(target * modulator * log_prob).sum(dim=1)


@MODELS.register_module()
class SoftmaxFocalLoss(nn.Module):
    """Softmax focal loss for single-label (or soft-label) classification.

    Unlike MMPretrain's ``FocalLoss`` (sigmoid, multi-label), this normalises
    the scores over classes, as the focal loss of the SCL paper does both
    for the 24-way predictions and along rows/columns of the similarity
    matrices.

    Args:
        gamma (float): The focusing parameter. ``0`` gives cross-entropy.
            Defaults to 2.0.
        reduction (str): 'none', 'mean' or 'sum'. Defaults to 'mean'.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 gamma: float = 2.0,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0):
        super().__init__()
        if gamma < 0:
            raise ValueError(f'gamma must be >= 0, got {gamma}.')
        self.gamma = gamma
        self.reduction = reduction
        self.loss_weight = loss_weight
        # Set by ``CEWarmupHook`` to train with plain cross-entropy
        # (gamma 0) during the first epochs.
        self.in_ce_warmup = False

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[int] = None,
                reduction_override: Optional[str] = None,
                **kwargs) -> torch.Tensor:
        """Compute the loss.

        Args:
            cls_score (torch.Tensor): Logits, shape (N, C).
            label (torch.Tensor): Hard labels (N, ) or soft targets (N, C).
            weight (torch.Tensor, optional): Per-sample weight, shape (N, ).
            avg_factor (int, optional): Average factor of the mean.
            reduction_override (str, optional): Overrides ``reduction``.

        Returns:
            torch.Tensor: The loss.
        """
        reduction = reduction_override or self.reduction
        gamma = 0. if self.in_ce_warmup else self.gamma
        loss = softmax_focal_loss(cls_score, label, gamma)
        if weight is not None:
            weight = weight.float()
        return self.loss_weight * weight_reduce_loss(
            loss, weight=weight, reduction=reduction, avg_factor=avg_factor)
