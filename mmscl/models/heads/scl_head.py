import math
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.heads import ClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


@MODELS.register_module()
class SCLHead(ClsHead):
    """Supervised contrastive learning head for chromosome classification.

    Backbone features are projected to an embedding (``embed_dim``, 1024 in
    the paper) from which a classifier predicts the type. In training the
    batch is read as two halves B1 and B2 (as ``PairedTypeSampler`` lays it
    out: B1[k] and B2[k] of the same type); the L2-normalised embeddings of
    both feed the contrastive loss with a learnable temperature, and the
    predictions of both the classification loss:

    ``L = L_con(E1, E2, t) + L_cls(P1) + L_cls(P2)``

    Loss weights (the paper's lambda1, lambda2) are the ``loss_weight`` of
    each loss config. The similarity and loss math runs in float32, also
    under AMP.

    Args:
        num_classes (int): Number of types. 24 for human chromosomes.
        in_channels (int): Channels of the (pooled) backbone feature.
        embed_dim (int): Dimension of the embedding. Defaults to 1024.
        hidden_channels (int, optional): Hidden width of the MLP classifier
            (Linear-ReLU-Linear, as the authors' code). ``None`` gives a
            linear classifier. Defaults to 1024.
        loss (dict): Classification loss. Defaults to
            ``dict(type='SoftmaxFocalLoss', gamma=2.0)``.
        contrastive_loss (dict, optional): Contrastive loss. Defaults to
            ``dict(type='PairedContrastiveLoss')``. ``None`` trains the same
            head without SCL (the baselines of the paper's Table 1).
        init_temperature (float): Initial temperature; the learnable logit
            scale ``t`` starts at its inverse (1 / 0.07, as CLIP).
        max_logit_scale (float): Upper clamp of ``t``. Defaults to 100.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 embed_dim: int = 1024,
                 hidden_channels: Optional[int] = 1024,
                 loss: dict = dict(type='SoftmaxFocalLoss', gamma=2.0),
                 contrastive_loss: Optional[dict] = dict(
                     type='PairedContrastiveLoss'),
                 init_temperature: float = 0.07,
                 max_logit_scale: float = 100.,
                 init_cfg: Optional[dict] = None,
                 **kwargs):
        super().__init__(loss=loss, init_cfg=init_cfg, **kwargs)
        if num_classes <= 0:
            raise ValueError(f'num_classes={num_classes} must be positive.')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.embed_dim = embed_dim
        self.max_logit_scale = max_logit_scale

        self.embedding = nn.Linear(in_channels, embed_dim, bias=False)
        if hidden_channels is None:
            self.classifier = nn.Linear(embed_dim, num_classes)
        else:
            self.classifier = nn.Sequential(
                nn.Linear(embed_dim, hidden_channels), nn.ReLU(inplace=True),
                nn.Linear(hidden_channels, num_classes))
        self.contrastive_loss = None
        if contrastive_loss is not None:
            self.contrastive_loss = MODELS.build(contrastive_loss)
            # Unused (and so absent) without SCL, for DDP's sake.
            self.logit_scale = nn.Parameter(
                torch.tensor(math.log(1 / init_temperature)))

    def pre_logits(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """The embedding (not normalised) of the last-stage feature."""
        feat = feats[-1]
        if feat.dim() != 2 or feat.size(1) != self.in_channels:
            raise ValueError(
                f'SCLHead expects pooled features of shape (N, '
                f'{self.in_channels}) (in_channels), got '
                f'{tuple(feat.shape)}: check the neck and in_channels.')
        return self.embedding(feat)

    def forward(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """The classification scores (logits)."""
        return self.classifier(self.pre_logits(feats))

    def get_logit_scale(self) -> torch.Tensor:
        """The clamped logit scale ``t`` (the inverse temperature)."""
        return self.logit_scale.exp().clamp(max=self.max_logit_scale)

    def loss(self, feats: Tuple[torch.Tensor], data_samples: List[DataSample],
             **kwargs) -> dict:
        """Compute the contrastive and classification losses.

        Args:
            feats (tuple[Tensor]): Features of the backbone (and neck).
            data_samples (List[DataSample]): Annotations of the batch, B1
                then B2.

        Returns:
            dict[str, Tensor]: ``loss_cls`` and, with a contrastive loss,
            ``loss_con`` and the logged (not optimised) ``temperature``.
        """
        labels = torch.cat([i.gt_label for i in data_samples])
        if labels.numel() < 2:
            raise ValueError('SCLHead needs at least 2 samples per batch '
                             f'(got {labels.numel()}).')
        embeds = self.pre_logits(feats)
        cls_score = self.classifier(embeds)
        # B1 and B2 are the halves; the last sample of an odd batch (from an
        # ordinary sampler) only counts in the classification loss.
        half = labels.numel() // 2
        losses = dict()
        with torch.autocast(device_type=embeds.device.type, enabled=False):
            losses['loss_cls'] = (
                self.loss_module(cls_score[:half].float(), labels[:half]) +
                self.loss_module(cls_score[half:].float(), labels[half:]))
            if self.contrastive_loss is not None:
                normed = F.normalize(embeds.float(), dim=1)
                logit_scale = self.get_logit_scale()
                losses['loss_con'] = self.contrastive_loss(
                    normed[:half], normed[half:2 * half], labels[:half],
                    labels[half:2 * half], logit_scale)
                losses['temperature'] = logit_scale.detach()
        return losses
