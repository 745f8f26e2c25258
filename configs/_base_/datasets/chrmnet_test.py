# External validation on ChrmNet: its 24 class folders '0'..'23' (X = 22,
# Y = 23) under data/chrmnet/, crops centred on 300 x 300 canvases.
# MMEngine forbids a key in two bases, so the settings are named chrmnet_*;
# a test config lists this file after a training config and picks them:
#   _base_ = ['./swin-l_ogh.py', '../_base_/datasets/chrmnet_test.py']
#   test_dataloader = _base_.chrmnet_test_dataloader
#   test_evaluator = _base_.chrmnet_test_evaluator
chrmnet_test_pipeline = [
    dict(type='LoadChromosomeImage'),
    dict(type='Letterbox', canvas_size=300, scale=224),
    dict(type='PackInputs'),
]
chrmnet_test_dataloader = dict(
    batch_size=128,
    num_workers=8,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        _delete_=True,
        type='ChromosomeDataset',
        data_root='data/chrmnet/',
        folder_naming='zero_based',
        test_mode=True,
        pipeline=chrmnet_test_pipeline),
)
chrmnet_test_evaluator = dict(type='ChromosomeMetric', per_type=True)
