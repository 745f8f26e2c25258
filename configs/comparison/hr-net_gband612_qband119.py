# External validation of hr-net_gband612.py on the Q-band crops of qband119
# (same test pipeline; no setting of that lab):
#   python tools/test.py configs/comparison/hr-net_gband612_qband119.py CKPT
_base_ = [
    './hr-net_gband612.py',
    '../_base_/datasets/qband119_test.py',
]
test_dataloader = _base_.qband119_test_dataloader
