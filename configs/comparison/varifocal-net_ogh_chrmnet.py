# External validation on ChrmNet of a checkpoint of varifocal-net_ogh.py:
#   python tools/test.py configs/comparison/varifocal-net_ogh_chrmnet.py CKPT
_base_ = ['./varifocal-net_ogh.py', '../_base_/datasets/chrmnet_test.py']
test_dataloader = _base_.chrmnet_test_dataloader
test_evaluator = _base_.chrmnet_test_evaluator
