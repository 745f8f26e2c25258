# HR-Net (Zhang et al., IEEE JBHI 2021) in the SCL paper's setting (its
# Table 2, whose numbers are in metafile.yml and configs/README.md): the
# data and pipeline of
# ../_base_/datasets/ogh.py (224 px), Adam lr 1e-5 for 400k steps of 48
# shuffled crops. OGH-Fudan's crops are bent metaphase chromosomes with no
# straight counterpart, so this trains the classification alone (the
# straightening branch still runs, interleaved, unsupervised): see
# configs/README.md.
#   python tools/train.py configs/comparison/hr-net_ogh.py
#   python tools/test.py configs/comparison/hr-net_ogh_chrmnet.py CKPT
_base_ = [
    '../_base_/models/hr-net.py',
    '../_base_/datasets/ogh.py',
    '../_base_/schedules/adam_400k.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(cls_backbone=dict(depth=50)))
train_dataloader = dict(
    batch_size=48,
    batch_sampler=None,
    sampler=dict(type='DefaultSampler', shuffle=True, _delete_=True))
# No focal loss to warm up.
custom_hooks = []
