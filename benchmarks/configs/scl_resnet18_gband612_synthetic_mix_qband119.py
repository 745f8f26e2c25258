# External test of scl_resnet18_gband612_synthetic_mix.py on qband119.
_base_ = [
    './scl_resnet18_gband612_synthetic_mix.py',
    '../../configs/_base_/datasets/qband119_test.py',
]
test_dataloader = _base_.qband119_test_dataloader
