# External test on qband119, the Q-band crops of another lab (see
# ../shared/data/README.md), all 5,474 of them:
#   python tools/dataset_converters/qband119.py data/qband119 data/qband119 --all
# A test config inherits its (G-band) training config and this file, and
# sets test_dataloader = _base_.qband119_test_dataloader.
#
# Q-band is bright on black: InvertIntensity turns it dark on white, as
# G-band. Its pixels are smaller: chromosomes measure about 0.7 times their
# gband612 size (median foreground area per type, square-rooted: 0.76;
# length: 0.65), so a 128 px Q-band canvas matches gband612's 176 px one.
# 27 cells come as crops centred on 200 x 100 canvases: CenterCrop cuts
# them to the canvas instead of Letterbox shrinking them (their chromosomes
# are at most 109 px long and centred); 31 tight crops (0.6%) have a side
# above 128 px and lose their ends. The scale (128) must be the input size
# of the training config.
qband119_test_dataloader = dict(
    batch_size=128,
    num_workers=4,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        _delete_=True,
        type='ChromosomeDataset',
        data_root='data/qband119/',
        ann_file='all.csv',
        test_mode=True,
        pipeline=[
            dict(type='LoadChromosomeImage'),
            dict(type='InvertIntensity'),
            dict(type='CenterCrop', crop_size=128),
            dict(type='Letterbox', canvas_size=128, scale=128),
            dict(type='PackInputs'),
        ]))
