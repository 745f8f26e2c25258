from typing import Tuple

import torch
import torch.nn as nn
from mmengine.dist import all_gather, get_world_size
from torch.distributed.nn.functional import all_gather as all_gather_with_grad

from mmpretrain.registry import MODELS


def gather_across_ranks(embeds: torch.Tensor,
                        labels: torch.Tensor) -> Tuple[torch.Tensor, ...]:
    """Concatenate the embeddings (keeping the gradient of every rank's part)
    and the labels of all ranks, in rank order."""
    all_embeds = torch.cat(all_gather_with_grad(embeds), dim=0)
    all_labels = torch.cat(all_gather(labels), dim=0)
    return all_embeds, all_labels


@MODELS.register_module()
class PairedContrastiveLoss(nn.Module):
    """Supervised contrastive loss over two paired batches (SCL, eq. 3).

    With L2-normalised embeddings ``E1``, ``E2`` of batches B1, B2 and the
    logit scale ``t``, the similarity matrices ``S11 = t E1 E1^T``,
    ``S12 = t E1 E2^T`` and ``S22 = t E2 E2^T`` are each scored by the
    classification loss along their rows and along their columns:

    ``L_con = sum_{S in (S11, S12, S22)} L(S, Y) + L(S^T, Y^T)``

    The target of row ``i`` is the set of columns of the same type, shared
    evenly. When the batches are paired by type (B1[k], B2[k] both of type
    k, all types distinct) the target is the diagonal, as in the paper;
    otherwise every same-type pair is a positive.

    Args:
        loss (dict): Loss applied to every row of logits. Defaults to the
            paper's ``SoftmaxFocalLoss`` with gamma 2.
        loss_weight (float): Weight of the contrastive loss (the paper's
            lambda1). Defaults to 1.0.
        gather_distributed (bool): Compare local embeddings with those of
            all ranks (same-type pairs across ranks are positives).
            Defaults to False.
    """

    def __init__(self,
                 loss: dict = dict(type='SoftmaxFocalLoss', gamma=2.0),
                 loss_weight: float = 1.0,
                 gather_distributed: bool = False):
        super().__init__()
        self.loss_module = MODELS.build(loss)
        self.loss_weight = loss_weight
        self.gather_distributed = gather_distributed

    def forward(self, embeds1: torch.Tensor, embeds2: torch.Tensor,
                labels1: torch.Tensor, labels2: torch.Tensor,
                logit_scale: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            embeds1 (torch.Tensor): L2-normalised embeddings of B1, (N1, D).
            embeds2 (torch.Tensor): L2-normalised embeddings of B2, (N2, D).
            labels1 (torch.Tensor): Types of B1, (N1, ).
            labels2 (torch.Tensor): Types of B2, (N2, ).
            logit_scale (torch.Tensor): The scale ``t`` (a scalar).

        Returns:
            torch.Tensor: The contrastive loss.
        """
        local = {1: (embeds1, labels1), 2: (embeds2, labels2)}
        if self.gather_distributed and get_world_size() > 1:
            keys = {i: gather_across_ranks(*local[i]) for i in local}
        else:
            keys = local
        loss = 0.
        for i, j in ((1, 1), (1, 2), (2, 2)):
            # Rows of S_ij are the local B_i against B_j; its columns are
            # the rows of S_ji.
            loss = loss + self._rows_loss(*local[i], *keys[j], logit_scale)
            loss = loss + self._rows_loss(*local[j], *keys[i], logit_scale)
        return self.loss_weight * loss

    def _rows_loss(self, query: torch.Tensor, query_labels: torch.Tensor,
                   keys: torch.Tensor, key_labels: torch.Tensor,
                   logit_scale: torch.Tensor) -> torch.Tensor:
        """The loss along the rows of ``logit_scale * query @ keys^T``."""
        logits = logit_scale * query @ keys.t()  # (Nq, Nk)
        positives = (query_labels[:, None] == key_labels[None, :]).float()
        num_positives = positives.sum(dim=1)
        # A row with no same-type key (ordinary sampling) has no target.
        has_target = num_positives > 0
        if not has_target.any():
            return logits.sum() * 0.
        target = positives[has_target] / num_positives[has_target, None]
        return self.loss_module(logits[has_target], target)
