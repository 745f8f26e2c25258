model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet', depth=34, in_channels=1, num_stages=4,
        out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='SCLHead',
        num_classes=24,
        in_channels=512,
        embed_dim=1024,
        hidden_channels=1024,
        loss=dict(type='SoftmaxFocalLoss', gamma=2.0, loss_weight=1.0),
        contrastive_loss=dict(
            type='PairedContrastiveLoss',
            loss=dict(type='SoftmaxFocalLoss', gamma=2.0),
            loss_weight=1.0),
    ),
)
