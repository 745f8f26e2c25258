# External validation of baseline/resnet18_gband612_paired.py on the Q-band
# crops of qband119 (same test pipeline; no setting of that lab):
#   python tools/test.py configs/baseline/resnet18_gband612_paired_qband119.py CKPT
_base_ = [
    './resnet18_gband612_paired.py',
    '../_base_/datasets/qband119_test.py',
]
test_dataloader = _base_.qband119_test_dataloader
