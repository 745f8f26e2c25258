# gband612: G-band crops of 612 cells (see ../shared/data/README.md), tight
# boxes on white. The converter writes train/val/test.csv
# (split by case) with img_path relative to the dataset folder, so data_root
# is that folder:
#   python tools/dataset_converters/gband612.py data/gband612 data/gband612
_base_ = ['./chromosome_crops.py']
data_root = 'data/gband612/'
input_size = 128
# Letterbox rescales each crop so that the median length of its cell spans
# reference_fraction of the input side: small enough that the longest
# chromosomes, rotated within 15 degrees, stay inside it.

# OpenCV decodes these small LZW TIFFs (and their RGBA ones) far faster
# than PIL, which stays as the fallback. NormalizeStain makes every crop dark
# on white (inverting fluorescent ones) with its contrast stretched, so
# crops of other labs and stains need no setting either.
train_pipeline = [
    dict(type='LoadChromosomeImage', imdecode_backends=('cv2', 'pillow')),
    dict(type='NormalizeStain'),
    # Other labs crop at any angle: every crop is turned upright, in
    # training as at test.
    dict(type='AlignLongAxis'),
    # A test set's crops are scaled by their cell's median length, or their
    # patient's, or the dataset's, as its annotation allows: train at every
    # level, and with the scale jittered, as another lab's references are
    # less exact than gband612's (docs: the spread of the levels). A wider
    # jitter, 0.7-1.43, cost qband119 2.3 points with ids and gained nothing
    # without, with --tta --balance-types (benchmarks/README.md, 2026-12-08).
    dict(type='RandomReferenceLevel',
         level_probs=dict(cell=0.5, patient=0.25, dataset=0.25)),
    dict(type='RandomReferenceScale', ratio_range=(0.8, 1.25), prob=0.5),
    dict(type='Letterbox', scale=input_size,
         reference_fraction=_base_.reference_fraction),
    # Upright crops still lean a little: small rotations and flips learn
    # far faster than any angle.
    dict(type='RandomRotate', prob=1.0, angle=15., fill=255),
    dict(type='RandomFlip', prob=[0.25, 0.25],
         direction=['horizontal', 'vertical']),
    # A wider contrast range than the default, for labs paler or darker
    # than NormalizeStain evens out.
    dict(type='RandomContrastGamma', prob=0.8, contrast=(0.4, 1.3),
         gamma=(0.7, 1.4), brightness=(-10., 10.)),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadChromosomeImage', imdecode_backends=('cv2', 'pillow')),
    dict(type='NormalizeStain'),
    dict(type='AlignLongAxis'),
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
    dataset=dict(
        data_root=data_root, ann_file='train.csv', pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root, ann_file='val.csv', pipeline=test_pipeline))
# The validation loader on the test split.
test_dataloader = dict(
    val_dataloader,
    dataset=dict(val_dataloader['dataset'], ann_file='test.csv'))
