# The classifier of the paper: backbone features -> (pooling neck) -> a
# 1024-d embedding -> an MLP classifier over the 24 types, trained with the
# focal loss on the predictions (lambda2 = loss.loss_weight = 1) and the
# supervised contrastive loss on the embeddings of the paired batches
# (lambda1 = contrastive_loss.loss_weight = 1, e.g.
# --cfg-options model.head.contrastive_loss.loss_weight=0.25).
# The files in timm/ and mmpretrain/ add the backbone, its neck and
# head.in_channels. A baseline config sets head.contrastive_loss=None.
# scl_classifier_authors.py weighs the terms as the authors' code does.
model = dict(
    type='ImageClassifier',
    head=dict(
        type='SCLHead',
        num_classes=24,
        embed_dim=1024,
        hidden_channels=1024,
        loss=dict(type='SoftmaxFocalLoss', gamma=2.0, loss_weight=1.0),
        contrastive_loss=dict(
            type='PairedContrastiveLoss',
            gamma=2.0,
            loss_weight=1.0,
            # True: compare with the embeddings of all GPUs (same-type pairs
            # across GPUs are positives). The paper used one batch pair.
            gather_distributed=False),
    ),
)
