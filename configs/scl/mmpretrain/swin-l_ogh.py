_base_ = [
    '../../_base_/models/mmpretrain/swin-l.py',
    '../../_base_/datasets/ogh.py',
    '../../_base_/schedules/adam_400k.py',
    '../../_base_/default_runtime.py',
]
