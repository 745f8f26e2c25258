_base_ = [
    '../../_base_/models/mmpretrain/resnet50.py',
    '../../_base_/datasets/ogh.py',
    '../../_base_/schedules/adam_400k.py',
    '../../_base_/default_runtime.py',
]
