# Varifocal-Net (Qin et al., IEEE TMI 2019) on the gband612 G-band crops, at
# the real-data benchmark's budget: the data, 128 px input, schedule (3000
# steps, Adam 1e-3 cosine) and batches (48, shuffled) of
# baseline/resnet18_gband612.py. G-Net and L-Net are MMPretrain ResNet-18s;
# the stages (supervised localisation, weakly supervised localisation, the
# ensemble on frozen networks) switch at 40% and 80% of the steps. Where
# this follows the paper and where it guesses: configs/README.md, Table 2.
#   python tools/train.py configs/comparison/varifocal-net_gband612.py
#   python tools/test.py configs/comparison/varifocal-net_gband612.py CKPT
#   python tools/test.py configs/comparison/varifocal-net_gband612_qband119.py CKPT
_base_ = [
    '../_base_/models/varifocal-net.py',
    '../_base_/datasets/gband612.py',
    '../_base_/schedules/adam_cosine_3k.py',
    '../_base_/default_runtime.py',
]
train_dataloader = dict(
    batch_size=48,
    batch_sampler=None,
    sampler=dict(type='DefaultSampler', shuffle=True, _delete_=True))

custom_hooks = [dict(type='TrainStageHook', stages={{_base_.train_stages}})]
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=1000))
