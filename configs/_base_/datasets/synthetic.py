# mmscl's embedded default: synthetic G-band cells, generated on first use.
# The 'internal' domain (OGH-like, 256 px canvases) gives the train / val /
# test splits (by cell); synthetic_external_test.py tests on another domain.
dataset_type = 'SyntheticChromosomeDataset'
# 64 px keeps a step near 1 s on 2 CPU cores; 96-128 px on a GPU.
input_size = 64
# Pixel scale and stain normalised as for real crops (gband612.py): the
# median chromosome length of each cell spans 0.4 of the input side, so the
# external domain's other canvas and scale need no setting either.
reference_fraction = 0.4
internal = dict(
    type=dataset_type,
    data_root='data/synthetic/internal',
    num_cells=200,
    seed=0,
    domain='internal')

data_preprocessor = dict(
    num_classes=24, mean=[114.495], std=[57.63], to_rgb=False)

train_pipeline = [
    dict(type='LoadChromosomeImage'),
    dict(type='NormalizeStain'),
    dict(type='Letterbox', scale=input_size,
         reference_fraction=reference_fraction),
    # The internal domain turns chromosomes by up to 10 degrees, the external
    # one by up to 35: rotations within 45 degrees cover both and learn far
    # faster than any angle (validation accuracy after 400 steps at 64 px:
    # 89.9% against 59.1% with any angle at 96 px).
    dict(type='RandomRotate', prob=1.0, angle=45.),
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
    num_workers=2,
    sampler=dict(type='PairedTypeSampler', steps_per_epoch=100),
    batch_sampler=dict(type='PairedTypeBatchSampler'),
    dataset=dict(**internal, ann_file='train.csv', pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        **internal, ann_file='val.csv', test_mode=True,
        pipeline=test_pipeline),
)
val_evaluator = dict(type='ChromosomeMetric')
test_dataloader = dict(
    batch_size=128,
    num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        **internal, ann_file='test.csv', test_mode=True,
        pipeline=test_pipeline),
)
# KaryotypeMetric: cell-level metrics (the crops of a cell labelled jointly).
test_evaluator = [
    dict(type='ChromosomeMetric', per_type=True),
    dict(type='KaryotypeMetric'),
]
