# An experiment of benchmarks/README.md ("Upright crops"): the SCL gband612
# config without AlignLongAxis, in training and at test (the pipelines as
# they were before it), to test what the alignment does on crops that lean.
_base_ = ['../../configs/scl/resnet18_gband612.py']
train_pipeline = [
    t for t in _base_.train_pipeline if t['type'] != 'AlignLongAxis'
]
test_pipeline = [
    t for t in _base_.test_pipeline if t['type'] != 'AlignLongAxis'
]
tta_pipeline = [
    t for t in _base_.tta_pipeline if t['type'] != 'AlignLongAxis'
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
