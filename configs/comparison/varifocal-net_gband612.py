# Varifocal-Net (Qin et al., IEEE TMI 2019) on the gband612 G-band crops, at
# the real-data benchmark's budget: the data, 128 px input, schedule (2000
# steps, Adam 1e-3 cosine) and batches (48, shuffled) of
# baseline/resnet18_gband612.py. G-Net and L-Net are MMPretrain ResNet-18s;
# the stages (supervised localisation, weakly supervised localisation, the
# ensemble on frozen networks) switch at 40% and 80% of the steps. Where
# this follows the paper and where it guesses: configs/README.md, Table 2.
#   python tools/train.py configs/comparison/varifocal-net_gband612.py
#   python tools/test.py configs/comparison/varifocal-net_gband612.py CKPT
#   python tools/test.py configs/comparison/varifocal-net_gband612_qband119.py CKPT
_base_ = [
    '../_base_/datasets/gband612.py',
    '../_base_/schedules/adam_cosine_2k.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='VarifocalNet',
    num_classes=24,
    # out_indices (2, 3): the ensemble takes the last two stages of each.
    global_backbone=dict(
        type='ResNet', depth=18, in_channels=1, out_indices=(2, 3)),
    local_backbone=dict(
        type='ResNet', depth=18, in_channels=1, out_indices=(2, 3)),
    global_channels=(256, 512),
    local_channels=(256, 512),
    localizer=dict(type='BoxLocalizer', hidden_channels=256, min_size=0.25),
    # None: the L-Net sees the box, a square on the chromosome's long side
    # plus 0.05 at each end, at the input's side (128 px): the median
    # chromosome (0.4 of the side) twice as large, chromosome 1 (0.77)
    # 1.15 times.
    zoom_size=None,
    hidden_channels=1024,
    # The public sets have no polarity label: the polarity task is off.
    num_polarities=None,
    loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
)
train_dataloader = dict(
    batch_size=48,
    batch_sampler=None,
    sampler=dict(type='DefaultSampler', shuffle=True, _delete_=True))

custom_hooks = [
    dict(
        type='TrainStageHook',
        stages=[
            dict(stage='supervised', begin=0.),
            dict(stage='weakly_supervised', begin=0.4),
            dict(stage='ensemble', begin=0.8),
        ]),
]
# Stages leave parts of the model without gradients.
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', find_unused_parameters=True)
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=1000))
