# External validation on the 'external' synthetic domain (ChrmNet-like:
# 300 px canvases, another stain, optics and band level), all of whose cells
# form a test set. A test config inherits its training config and this file,
# and sets test_dataloader = _base_.external_test_dataloader.
external_test_dataloader = dict(
    batch_size=128,
    num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        _delete_=True,
        type='SyntheticChromosomeDataset',
        data_root='data/synthetic/external',
        num_cells=50,
        seed=1,
        domain='external',
        splits=(0, 0, 1),
        ann_file='test.csv',
        test_mode=True,
        pipeline=[
            dict(type='LoadChromosomeImage'),
            dict(type='Letterbox', canvas_size=300, scale=64),
            dict(type='PackInputs'),
        ]))
