# External test on qband119, the Q-band crops of another lab (see
# ../shared/data/README.md), all of them:
#   python tools/dataset_converters/qband119.py data/qband119 data/qband119 --all
# A test config inherits its (G-band) training config and this file, and
# sets test_dataloader = _base_.qband119_test_dataloader: only the data
# changes, the test pipeline stays the training config's. It needs no
# setting of this lab: NormalizeStain inverts these bright-on-black crops,
# and Letterbox normalises their pixel scale by the median chromosome length
# of each cell and cuts the cells that come on 200 x 100 canvases to their
# chromosomes.
qband119_test_dataloader = dict(
    dataset=dict(data_root='data/qband119/', ann_file='all.csv'))
