# External test of scl_resnet18_gband612_band_stain.py on qband119.
_base_ = [
    './scl_resnet18_gband612_band_stain.py',
    '../../configs/_base_/datasets/qband119_test.py',
]
test_dataloader = _base_.qband119_test_dataloader
