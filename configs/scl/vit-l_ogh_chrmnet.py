# External validation on ChrmNet of a checkpoint of vit-l_ogh.py:
#   python tools/test.py configs/scl/vit-l_ogh_chrmnet.py CKPT
_base_ = ['./vit-l_ogh.py', '../_base_/datasets/chrmnet_test.py']
test_dataloader = _base_.chrmnet_test_dataloader
test_evaluator = _base_.chrmnet_test_evaluator
