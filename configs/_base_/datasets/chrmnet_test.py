# External validation on ChrmNet: its 24 class folders '0'..'23' (X = 22,
# Y = 23) under data/chrmnet/, crops centred on 300 x 300 canvases, no cell
# ids (so each crop's scale is normalised by the median chromosome length of
# the whole set). MMEngine forbids a key in two bases, so the settings are
# named chrmnet_*; a test config lists this file after a training config and
# picks them, keeping the training config's test pipeline:
#   _base_ = ['./swin-l_ogh.py', '../_base_/datasets/chrmnet_test.py']
#   test_dataloader = _base_.chrmnet_test_dataloader
#   test_evaluator = _base_.chrmnet_test_evaluator
chrmnet_test_dataloader = dict(
    dataset=dict(
        data_root='data/chrmnet/', ann_file='', folder_naming='zero_based'))
# A list, which replaces the training config's test_evaluator whether that
# is a dict (ogh.py) or a list (gband612.py, synthetic.py: with
# KaryotypeMetric, which class folders without cell ids could not feed); a
# dict over a list is refused by MMEngine.
chrmnet_test_evaluator = [dict(type='ChromosomeMetric', per_type=True)]
