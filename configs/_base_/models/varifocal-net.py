# Varifocal-Net (Qin et al., IEEE TMI 2019) with MMPretrain ResNet-18s as
# G-Net and L-Net (a guess: configs/README.md, Table 2); the configs of
# ../../comparison/ add the data and schedule (and deeper trunks for OGH).
model = dict(
    type='VarifocalNet',
    backbone=dict(
        type='VarifocalBackbone',
        # out_indices (2, 3): the ensemble takes the last two stages of
        # each.
        global_backbone=dict(
            type='ResNet', depth=18, in_channels=1, out_indices=(2, 3)),
        local_backbone=dict(
            type='ResNet', depth=18, in_channels=1, out_indices=(2, 3)),
        localizer=dict(
            type='BoxLocalizer', hidden_channels=256, min_size=0.25),
        # None: the L-Net sees the box, a square on the chromosome's long
        # side plus 0.05 at each end, at the input's side: in gband612's
        # pipeline the median chromosome (0.4 of the side) twice as large,
        # chromosome 1 (0.77) 1.15 times.
        zoom_size=None),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='VarifocalHead',
        num_classes=24,
        hidden_channels=1024,
        # The public sets have no polarity label: the polarity task is off.
        num_polarities=None,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
# The stages (supervised localisation, weakly supervised localisation, the
# ensemble on frozen networks) at fractions of the run, for the leaf
# configs' TrainStageHook (custom_hooks belongs to default_runtime.py).
train_stages = [
    dict(stage='supervised', begin=0.),
    dict(stage='weakly_supervised', begin=0.4),
    dict(stage='ensemble', begin=0.8),
]
# Stages leave parts of the model without gradients.
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', find_unused_parameters=True)
