# OGH-Fudan layout: one karyotype JSON per split under data/ogh/ (see
# ChromosomeDataset), 256 x 256 crops. Batches of SCL: 2 x 24 paired by type.
dataset_type = 'ChromosomeDataset'
data_root = 'data/ogh/'
canvas_size = 256
input_size = 224

data_preprocessor = dict(
    num_classes=24,
    # ImageNet's mean and std of gray (0.449, 0.226), times 255.
    mean=[114.495],
    std=[57.63],
    to_rgb=False,
)

train_pipeline = [
    dict(type='LoadChromosomeImage'),
    dict(type='Letterbox', canvas_size=canvas_size, scale=input_size),
    dict(type='RandomRotate', prob=1.0, angle=180.),
    dict(type='RandomFlip', prob=[0.25, 0.25],
         direction=['horizontal', 'vertical']),
    dict(type='RandomContrastGamma', prob=0.8),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadChromosomeImage'),
    dict(type='Letterbox', canvas_size=canvas_size, scale=input_size),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=48,
    num_workers=8,
    sampler=dict(type='PairedTypeSampler', steps_per_epoch=2000),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='train.json',
        pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=8,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='val.json',
        test_mode=True,
        pipeline=test_pipeline),
)
val_evaluator = dict(type='ChromosomeMetric')

test_dataloader = dict(
    batch_size=128,
    num_workers=8,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='test.json',
        test_mode=True,
        pipeline=test_pipeline),
)
test_evaluator = dict(type='ChromosomeMetric', per_type=True)
