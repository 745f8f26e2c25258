# Varifocal-Net (Qin et al., IEEE TMI 2019) in the SCL paper's setting
# (its Table 2, whose numbers are in metafile.yml and configs/README.md):
# the data and pipeline of
# ../_base_/datasets/ogh.py (224 px), Adam lr 1e-5 for 400k steps of 48
# shuffled crops, as baseline/resnet50_ogh.py. G-Net and L-Net are
# MMPretrain ResNet-50s (a guess, configs/README.md).
#   python tools/train.py configs/comparison/varifocal-net_ogh.py
#   python tools/test.py configs/comparison/varifocal-net_ogh_chrmnet.py CKPT
_base_ = [
    '../_base_/models/varifocal-net.py',
    '../_base_/datasets/ogh.py',
    '../_base_/schedules/adam_400k.py',
    '../_base_/default_runtime.py',
]
model = dict(
    backbone=dict(
        global_backbone=dict(depth=50), local_backbone=dict(depth=50)))
train_dataloader = dict(
    batch_size=48,
    batch_sampler=None,
    sampler=dict(type='DefaultSampler', shuffle=True, _delete_=True))
custom_hooks = [dict(type='TrainStageHook', stages={{_base_.train_stages}})]
