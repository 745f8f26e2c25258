# External validation on ChrmNet of a checkpoint of hr-net_ogh.py:
#   python tools/test.py configs/comparison/hr-net_ogh_chrmnet.py CKPT
_base_ = ['./hr-net_ogh.py', '../_base_/datasets/chrmnet_test.py']
test_dataloader = _base_.chrmnet_test_dataloader
test_evaluator = _base_.chrmnet_test_evaluator
