# External validation on ChrmNet of a checkpoint of davit-s_ogh.py:
#   python tools/test.py configs/scl/davit-s_ogh_chrmnet.py CKPT
_base_ = ['./davit-s_ogh.py', '../_base_/datasets/chrmnet_test.py']
test_dataloader = _base_.chrmnet_test_dataloader
test_evaluator = _base_.chrmnet_test_evaluator
