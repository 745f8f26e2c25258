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
    the paper) from which a classifier predicts the type.

    With a contrastive loss, a training batch must be B1 + B2 as
    :class:`PairedTypeBatchSampler` yields it: two halves holding the same
    types in the same order (any other batch is refused). The head splits
    it into (2, n): the L2-normalised embeddings of both halves feed the
    contrastive loss with the learnable logit scale ``t``, the predictions
    of both the classification loss (eq. 4, 5):

    ``L = lambda1 L_con(E1, E2, t) + lambda2 (FL(P1) + FL(P2))``

    Without one (``contrastive_loss=None``, the baselines of the paper's
    Table 1) any batch goes and the loss is ``ClsHead``'s, the mean over
    the whole batch.

    lambda1 and lambda2 are the ``loss_weight`` of each loss config. ``t``
    is ``1 / temperature``: it starts at ``1 / init_temperature`` (1 / 0.07,
    as CLIP), is logged as ``logit_scale`` and is learnt through its log.
    The log is clamped in place before each training forward, i.e. after
    the optimiser step, as CLIP does: the gradient is never cut, so ``t``
    can come back down from the clamp. The similarity and loss math runs in
    float32, also under AMP.

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
            head without SCL.
        init_temperature (float): Initial temperature ``1 / t``. Defaults
            to 0.07.
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
            if init_temperature <= 0 or \
                    1 / init_temperature > max_logit_scale:
                raise ValueError(
                    f'SCLHead: init_temperature={init_temperature} must be '
                    f'positive and 1 / init_temperature at most '
                    f'max_logit_scale={max_logit_scale}.')
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
        """The logit scale ``t`` (the inverse temperature), its log clamped
        in place at ``log(max_logit_scale)`` first."""
        with torch.no_grad():
            self.logit_scale.clamp_(max=math.log(self.max_logit_scale))
        return self.logit_scale.exp()

    @staticmethod
    def paired_labels(data_samples: List[DataSample]) -> torch.Tensor:
        """The types of the batch B1 + B2 as (2, n); refuses any other."""
        labels = torch.cat([i.gt_label for i in data_samples])
        half = labels.numel() // 2
        if half == 0 or labels.numel() % 2 or \
                not torch.equal(labels[:half], labels[half:]):
            raise ValueError(
                'SCLHead: the contrastive loss needs a batch B1 + B2 whose '
                'halves hold the same types in the same order, got types '
                f'{labels.tolist()}. Train with train_dataloader.'
                "batch_sampler=dict(type='PairedTypeBatchSampler') (and "
                "sampler=dict(type='PairedTypeSampler'), batch_size=None), "
                'or set model.head.contrastive_loss=None.')
        return labels.view(2, half)  # (2n, ) -> (2, n): B1, B2

    def loss(self, feats: Tuple[torch.Tensor], data_samples: List[DataSample],
             **kwargs) -> dict:
        """Compute the classification and (with SCL) contrastive losses.

        Args:
            feats (tuple[Tensor]): Features of the backbone (and neck).
            data_samples (List[DataSample]): Annotations of the batch; with
                a contrastive loss B1 then B2.

        Returns:
            dict[str, Tensor]: ``loss_cls`` and, with a contrastive loss,
            ``loss_con`` and the logged (not optimised) ``logit_scale``.
        """
        embeds = self.pre_logits(feats)
        cls_score = self.classifier(embeds)
        with torch.autocast(device_type=embeds.device.type, enabled=False):
            if self.contrastive_loss is None:
                losses = self._get_loss(cls_score.float(), data_samples,
                                        **kwargs)
                return dict(loss_cls=losses.pop('loss'), **losses)
            labels = self.paired_labels(data_samples)
            n = labels.size(1)
            # (2n, C) -> (2, n, C) and (2n, D) -> (2, n, D): B1, B2.
            scores = cls_score.float().view(2, n, -1)
            normed = F.normalize(embeds.float(), dim=1).view(2, n, -1)
            logit_scale = self.get_logit_scale()
            return dict(
                loss_cls=self.loss_module(scores[0], labels[0]) +
                self.loss_module(scores[1], labels[1]),
                loss_con=self.contrastive_loss(normed, labels, logit_scale),
                logit_scale=logit_scale.detach())
