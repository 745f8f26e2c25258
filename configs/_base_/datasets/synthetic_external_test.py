# External validation on the 'external' synthetic domain (ChrmNet-like:
# 300 px canvases, another scale, stain, optics and band level), all of
# whose cells form a test set. A test config inherits its training config
# and this file, and sets test_dataloader = _base_.external_test_dataloader:
# only the data changes, the test pipeline stays the training config's.
external_test_dataloader = dict(
    dataset=dict(
        data_root='data/synthetic/external',
        num_cells=50,
        seed=1,
        domain='external',
        splits=(0, 0, 1),
        ann_file='test.csv'))
