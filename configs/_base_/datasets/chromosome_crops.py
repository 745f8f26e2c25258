# What every dataset of chromosome crops shares: the gray preprocessor, the
# 2 x 24 batches of SCL paired by type, the loaders and the metrics. A
# dataset file (gband612.py, ogh.py, synthetic.py) inherits it and sets its
# input size and pipelines, and in each loader's dataset its data root,
# annotation file and pipeline: MMEngine merges a child's dicts into these
# but replaces its lists, and a loader built here cannot see the child's
# data root or pipelines.
dataset_type = 'ChromosomeDataset'
# Each crop is rescaled so that the median chromosome length of its cell
# spans this fraction of the input side (ChromosomeDataset measures and
# caches the lengths, Letterbox applies them): the pixel scale is
# normalised and needs no setting of a lab or canvas.
reference_fraction = 0.4
# tools/test.py --tta: each crop seen at seven scales around its reference
# length (ReferenceScale), the scores averaged. A cell's reference is
# close to right for its crops; a patient's or the dataset's can be 20 %
# off for a cell, so their views spread wider: the ratio between
# neighbouring views by level (chosen on gband612's validation split and
# qband119: benchmarks/README.md, "Scales at test").
tta_view_ratios = dict(cell=1.045, patient=1.09, dataset=1.09)
tta_reference_scales = [
    dict(type='ReferenceScale',
         factors={level: ratio**step
                  for level, ratio in tta_view_ratios.items()})
    for step in range(-3, 4)
]

data_preprocessor = dict(
    num_classes=24,
    # ImageNet's mean and std of gray (0.449, 0.226), times 255.
    mean=[114.495],
    std=[57.63],
    to_rgb=False,
)

train_dataloader = dict(
    # B1 + B2 (2 x the types) from PairedTypeBatchSampler.
    batch_size=None,
    num_workers=4,
    # Instance pairs: pair_mode='view' (two views of one crop) was 1-2
    # points worse for the ResNet-18 of gband612, on its validation split
    # and qband119 (benchmarks/README.md, "Two views of one crop as its
    # pair").
    sampler=dict(type='PairedTypeSampler'),
    batch_sampler=dict(type='PairedTypeBatchSampler'),
    dataset=dict(type=dataset_type),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=4,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, test_mode=True),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='ChromosomeMetric')
# KaryotypeMetric: cell-level metrics (the crops of a cell labelled jointly).
test_evaluator = [
    dict(type='ChromosomeMetric', per_type=True),
    dict(type='KaryotypeMetric'),
]
