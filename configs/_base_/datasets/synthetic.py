# mmscl's embedded default: synthetic G-band cells, generated on first use.
# The 'internal' domain (OGH-like, 256 px canvases) gives the train / val /
# test splits (by cell); synthetic_external_test.py tests on another domain.
_base_ = ['./chromosome_crops.py']
dataset_type = 'SyntheticChromosomeDataset'
# 64 px keeps a training step short on a CPU; 96-128 px on a GPU.
input_size = 64
# Pixel scale and stain normalised as for real crops, so the external
# domain's other canvas and scale need no setting either.
internal = dict(
    type=dataset_type,
    data_root='data/synthetic/internal',
    num_cells=200,
    seed=0,
    domain='internal')

train_pipeline = [
    dict(type='LoadChromosomeImage'),
    dict(type='NormalizeStain'),
    dict(type='Letterbox', scale=input_size,
         reference_fraction=_base_.reference_fraction),
    # The internal domain turns chromosomes by up to 10 degrees, the external
    # one by up to 35: rotations within 45 degrees cover both and learn far
    # faster than any angle.
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
         reference_fraction=_base_.reference_fraction),
    dict(type='PackInputs'),
]
# The test pipeline at several scales (tools/test.py --tta).
tta_pipeline = test_pipeline[:-2] + [
    dict(type='TestTimeAug',
         transforms=[_base_.tta_reference_scales, test_pipeline[-2:-1],
                     test_pipeline[-1:]])
]

train_dataloader = dict(
    num_workers=2,
    sampler=dict(steps_per_epoch=100),
    dataset=dict(**internal, ann_file='train.csv', pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2,
    dataset=dict(**internal, ann_file='val.csv', pipeline=test_pipeline))
# The validation loader on the test split.
test_dataloader = dict(
    val_dataloader,
    dataset=dict(val_dataloader['dataset'], ann_file='test.csv'))
