from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmengine.dist import all_gather, get_world_size
from torch.distributed.nn.functional import all_gather as all_gather_with_grad

from mmpretrain.registry import MODELS
from .focal_loss import softmax_focal_loss


def gather_across_ranks(embeds: torch.Tensor,
                        labels: torch.Tensor) -> Tuple[torch.Tensor, ...]:
    """The paired embeddings and labels of all ranks, in rank order.

    Args:
        embeds (torch.Tensor): This rank's B1, B2 embeddings, (2, n, D).
        labels (torch.Tensor): Their types, (2, n).

    Returns:
        tuple[torch.Tensor]: Embeddings (2, m, D) and types (2, m) with
        ``m = n * world_size``; the gradient reaches every rank's part.
    """
    all_embeds = torch.cat(all_gather_with_grad(embeds.contiguous()), dim=1)
    all_labels = torch.cat(all_gather(labels.contiguous()), dim=1)
    return all_embeds, all_labels


def rows_focal_loss(queries: torch.Tensor, query_labels: torch.Tensor,
                    keys: torch.Tensor, key_labels: torch.Tensor,
                    logit_scale: torch.Tensor, gamma: float) -> torch.Tensor:
    """Focal loss along the rows of ``t * queries @ keys^T``.

    The target of a row is its same-type keys, sharing the mass evenly; the
    mean runs over the rows that have at least one.
    """
    logits = logit_scale * queries @ keys.t()  # (n, m)
    positives = (query_labels[:, None] == key_labels[None, :]).float()
    num_positives = positives.sum(dim=1)
    has_target = num_positives > 0
    target = positives[has_target] / num_positives[has_target, None]
    loss = softmax_focal_loss(logits[has_target], target, gamma)
    return loss.sum() / has_target.sum().clamp(min=1)


@MODELS.register_module()
class PairedContrastiveLoss(nn.Module):
    """Supervised contrastive loss over two paired batches (SCL, Algorithm 1).

    With the L2-normalised embeddings ``E1``, ``E2`` of the batches B1, B2
    and the logit scale ``t`` (the inverse temperature), Algorithm 1 scores
    ``S11 = t E1 E1^T``, ``S12 = t E1 E2^T`` and ``S22 = t E2 E2^T`` with the
    focal loss along their rows and along their columns:

    ``L_con = sum_{S in (S11, S12, S22)} FL_row(S) + FL_col(S)``

    S21 is left out, as in the authors' code (its rows and columns are the
    columns and rows of S12). The columns of ``S_ij`` are scored as the rows
    of ``E_j`` against ``E_i``, which is how each rank scores its own rows
    when the keys are gathered across ranks (as CLIP's loss does).

    The target of a row is the columns of the same type, shared evenly. For
    batches paired by type (B1[k], B2[k] both of type k, all types distinct)
    that is the diagonal, as in the paper; a row without any (its type
    absent from the keys) is left out.

    Args:
        gamma (float): Focusing parameter of the focal loss; 0 gives
            cross-entropy. Defaults to 2.0.
        loss_weight (float): The paper's lambda1. Defaults to 1.0.
        warmup_loss_weight (float, optional): lambda1 while ``CEWarmupHook``
            trains with cross-entropy; ``None``: ``loss_weight``. Defaults
            to None.
        gather_distributed (bool): Compare local embeddings with those of
            all ranks (same-type pairs across ranks are positives).
            Defaults to False.
    """

    def __init__(self,
                 gamma: float = 2.0,
                 loss_weight: float = 1.0,
                 warmup_loss_weight: Optional[float] = None,
                 gather_distributed: bool = False):
        super().__init__()
        if gamma < 0:
            raise ValueError(
                f'PairedContrastiveLoss: gamma must be >= 0, got {gamma}.')
        self.gamma = gamma
        self.loss_weight = loss_weight
        self.warmup_loss_weight = (loss_weight if warmup_loss_weight is None
                                   else warmup_loss_weight)
        self.gather_distributed = gather_distributed
        # Set by ``CEWarmupHook`` during its cross-entropy warm-up: gamma 0
        # and ``warmup_loss_weight``.
        self.in_ce_warmup = False

    def forward(self, embeds: torch.Tensor, labels: torch.Tensor,
                logit_scale: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            embeds (torch.Tensor): L2-normalised embeddings of B1 and B2,
                (2, n, D).
            labels (torch.Tensor): Their types, (2, n).
            logit_scale (torch.Tensor): The scale ``t`` (a scalar).

        Returns:
            torch.Tensor: The weighted contrastive loss.
        """
        if embeds.dim() != 3 or len(embeds) != 2 or \
                labels.shape != embeds.shape[:2]:
            raise ValueError(
                'PairedContrastiveLoss expects embeddings (2, n, D) of B1 and '
                f'B2 and labels (2, n), got {tuple(embeds.shape)} and '
                f'{tuple(labels.shape)}.')
        if self.gather_distributed and get_world_size() > 1:
            keys, key_labels = gather_across_ranks(embeds, labels)
        else:
            keys, key_labels = embeds, labels
        gamma = 0. if self.in_ce_warmup else self.gamma

        def rows(i, j):  # the rows of S_ij
            return rows_focal_loss(embeds[i], labels[i], keys[j],
                                   key_labels[j], logit_scale, gamma)

        # Rows and columns of S11, S12 and S22 (indices 0, 1 for B1, B2).
        loss = sum(rows(i, j) + rows(j, i) for i, j in ((0, 0), (0, 1),
                                                        (1, 1)))
        weight = self.warmup_loss_weight if self.in_ce_warmup \
            else self.loss_weight
        return weight * loss
