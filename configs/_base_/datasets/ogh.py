# OGH-Fudan layout: one karyotype JSON per split under data/ogh/ (see
# ChromosomeDataset), 256 x 256 crops. Batches of SCL: 2 x 24 paired by type.
_base_ = ['./chromosome_crops.py']
data_root = 'data/ogh/'
input_size = 224

# External sets of class folders (ChrmNet) give no cells: train at every
# reference level, as gband612.py does.
train_pipeline = [
    dict(type='LoadChromosomeImage'),
    dict(type='NormalizeStain'),
    dict(type='RandomReferenceLevel',
         level_probs=dict(cell=0.5, patient=0.25, dataset=0.25)),
    dict(type='RandomReferenceScale', ratio_range=(0.8, 1.25), prob=0.5),
    dict(type='Letterbox', scale=input_size,
         reference_fraction=_base_.reference_fraction),
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
    num_workers=8,
    sampler=dict(steps_per_epoch=2000),
    dataset=dict(
        data_root=data_root, ann_file='train.json', pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=8,
    dataset=dict(
        data_root=data_root, ann_file='val.json', pipeline=test_pipeline))
# The validation loader on the test split.
test_dataloader = dict(
    val_dataloader,
    dataset=dict(val_dataloader['dataset'], ann_file='test.json'))
# _delete_: a dict replacing the base's list.
test_evaluator = dict(_delete_=True, type='ChromosomeMetric', per_type=True)
