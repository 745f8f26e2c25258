# OGH-Fudan layout: one karyotype JSON per split under data/ogh/ (see
# ChromosomeDataset), 256 x 256 crops. Batches of SCL: 2 x 24 paired by type.
dataset_type = 'ChromosomeDataset'
data_root = 'data/ogh/'
input_size = 224
# Normalised pixel scale, as in gband612.py: each crop is rescaled so that
# the median chromosome length of its cell (karyotype) spans 0.4 of the
# input side, whatever lab or canvas it comes from.
reference_fraction = 0.4

data_preprocessor = dict(
    num_classes=24,
    # ImageNet's mean and std of gray (0.449, 0.226), times 255.
    mean=[114.495],
    std=[57.63],
    to_rgb=False,
)

train_pipeline = [
    dict(type='LoadChromosomeImage'),
    dict(type='NormalizeStain'),
    dict(type='Letterbox', scale=input_size,
         reference_fraction=reference_fraction),
    dict(type='RandomRotate', prob=1.0, angle=180.),
    dict(type='RandomFlip', prob=[0.25, 0.25],
         direction=['horizontal', 'vertical']),
    dict(type='RandomContrastGamma', prob=0.8),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadChromosomeImage'),
    dict(type='NormalizeStain'),
    dict(type='Letterbox', scale=input_size,
         reference_fraction=reference_fraction),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    # B1 + B2 (2 x the types) from PairedTypeBatchSampler.
    batch_size=None,
    num_workers=8,
    sampler=dict(type='PairedTypeSampler', steps_per_epoch=2000),
    batch_sampler=dict(type='PairedTypeBatchSampler'),
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
