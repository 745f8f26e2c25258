# External validation on ChrmNet: its 24 class folders '0'..'23' (X = 22,
# Y = 23) under data/chrmnet/, crops centred on 300 x 300 canvases. Inherit
# this after a training config to test the same checkpoint on ChrmNet.
test_pipeline = [
    dict(type='LoadChromosomeImage'),
    dict(type='Letterbox', canvas_size=300, scale=224),
    dict(type='PackInputs'),
]
test_dataloader = dict(
    batch_size=128,
    num_workers=8,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        _delete_=True,
        type='ChromosomeDataset',
        data_root='data/chrmnet/',
        folder_naming='zero_based',
        test_mode=True,
        pipeline=test_pipeline),
)
test_evaluator = dict(type='ChromosomeMetric', per_type=True)
