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
    classification loss along their rows and along their columns
    (Algorithm 1):

    ``L_con = sum_{S in (S11, S12, S22)} L(S, Y) + L(S^T, Y^T)``

    The target of row ``i`` is the set of columns of the same type, shared
    evenly. When the batches are paired by type (B1[k], B2[k] both of type
    k, all types distinct) the target is the diagonal, as in the paper;
    otherwise every same-type pair is a positive, and a row without any
    (its type absent from the other batch) is left out.

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
        # Weight of the rows of block S_ij: the columns of S11 and S22 are
        # their rows again (symmetric), those of S12 the rows of S21.
        self.register_buffer(
            'block_weights', torch.tensor([[2., 1.], [1., 2.]]),
            persistent=False)

    def forward(self, embeds1: torch.Tensor, embeds2: torch.Tensor,
                labels1: torch.Tensor, labels2: torch.Tensor,
                logit_scale: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            embeds1 (torch.Tensor): L2-normalised embeddings of B1, (n, D).
            embeds2 (torch.Tensor): L2-normalised embeddings of B2, (n, D).
            labels1 (torch.Tensor): Types of B1, (n, ).
            labels2 (torch.Tensor): Types of B2, (n, ).
            logit_scale (torch.Tensor): The scale ``t`` (a scalar).

        Returns:
            torch.Tensor: The contrastive loss.
        """
        if embeds1.shape != embeds2.shape:
            raise ValueError('B1 and B2 must be of the same size, got '
                             f'{tuple(embeds1.shape)} and '
                             f'{tuple(embeds2.shape)}.')
        n = len(embeds1)
        queries = torch.cat([embeds1, embeds2])  # (2n, D)
        query_labels = torch.cat([labels1, labels2])
        if self.gather_distributed and get_world_size() > 1:
            all1, all_labels1 = gather_across_ranks(embeds1, labels1)
            all2, all_labels2 = gather_across_ranks(embeds2, labels2)
            keys = torch.cat([all1, all2])  # (2m, D), m = n * world size
            key_labels = torch.cat([all_labels1, all_labels2])
        else:
            keys, key_labels = queries, query_labels
        m = len(keys) // 2

        def blocks(matrix):
            # (2n, 2m) -> (2, n, 2, m), [i, :, j] being block S_ij (a view:
            # the rows of the blocks stay contiguous, nothing is copied).
            return matrix.view(2, n, 2, m)

        logits = blocks(queries @ keys.t() * logit_scale)
        positives = blocks(
            (query_labels[:, None] == key_labels[None, :]).float())
        num_positives = positives.sum(dim=-1, keepdim=True)
        target = positives / num_positives.clamp(min=1)
        has_target = (num_positives[..., 0] > 0).float()  # (2, n, 2)
        # Each block contributes the mean over its rows that have a target.
        row_weights = has_target * (
            self.block_weights[:, None] /
            has_target.sum(dim=1, keepdim=True).clamp(min=1))
        loss = self.loss_module(
            logits.reshape(4 * n, m),
            target.reshape(4 * n, m),
            weight=row_weights.reshape(4 * n),
            reduction_override='sum')
        return self.loss_weight * loss
