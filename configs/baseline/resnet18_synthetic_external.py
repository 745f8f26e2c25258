# External validation of baseline/resnet18_synthetic.py on another synthetic
# domain:  python tools/test.py configs/baseline/resnet18_synthetic_external.py CKPT
_base_ = [
    './resnet18_synthetic.py',
    '../_base_/datasets/synthetic_external_test.py',
]
test_dataloader = _base_.external_test_dataloader
