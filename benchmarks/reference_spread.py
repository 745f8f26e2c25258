"""How far the reference lengths of the coarser levels stray from a cell's.

``ChromosomeDataset`` scales each crop by the median chromosome length of
its cell, else of its patient (or case), else of the whole dataset. A
coarser reference is off by the spread of the cells' medians around it
(condensation differs from cell to cell): this script prints, for each
annotation given, the 10th and 90th percentile and the standard deviation
of log(reference of one level / reference of a coarser one) over the crops,
the figures ``RandomReferenceLevel`` and ``RandomReferenceScale`` of the
gband612 config are set from.

Example:
    python -m benchmarks.reference_spread \\
        /dev/shm/mmscl_data/gband612/train.csv \\
        /dev/shm/mmscl_data/qband119/all.csv
"""
import argparse
import itertools
import os.path as osp
from collections import Counter

import numpy as np
from mmengine.registry import DefaultScope

import mmscl  # noqa: F401
from mmscl.datasets import ChromosomeDataset
from mmscl.datasets.transforms.reference import REFERENCE_LEVELS


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('ann_files', nargs='+',
                        help='annotation CSVs; each CSV\'s folder is its '
                        'data root')
    return parser.parse_args(argv)


def level_spreads(data_infos):
    """The spread of each finer level's reference around each coarser
    one's, over the crops whose finer group is known.

    Args:
        data_infos (list[dict]): Data infos of a :class:`ChromosomeDataset`
            (with ``ref_lengths``).

    Returns:
        dict[tuple[str, str], tuple[float, float, float, int]]: For each
        (finer, coarser) pair of levels that the annotation has (a coarser
        level without ids is the dataset's), over the crops grouped at the
        finer one: the 10th and 90th percentile and the standard deviation of
        log(finer / coarser), and the number of those crops.
    """
    spreads = {}
    for finer, coarser in itertools.combinations(REFERENCE_LEVELS, 2):
        key = f'{finer}_id'
        if coarser != 'dataset' and not any(
                info.get(f'{coarser}_id') for info in data_infos):
            continue  # the coarser level is the dataset's
        ratios = np.array([
            info['ref_lengths'][finer] / info['ref_lengths'][coarser]
            for info in data_infos if info.get(key)
        ])
        if len(ratios) and not np.allclose(ratios, 1.):
            logs = np.log(ratios)
            p10, p90 = np.percentile(logs, [10, 90])
            spreads[(finer, coarser)] = (p10, p90, logs.std(), len(logs))
    return spreads


def main(argv=None):
    args = parse_args(argv)
    for ann_file in args.ann_files:
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            dataset = ChromosomeDataset(
                ann_file=osp.basename(ann_file),
                data_root=osp.dirname(osp.abspath(ann_file)),
                test_mode=True)
        infos = [dataset.get_data_info(i) for i in range(len(dataset))]
        cells = Counter(info.get('cell_id') for info in infos)
        print(f'{ann_file}: {len(infos)} crops, {len(cells)} cells '
              f'(median {np.median(list(cells.values())):g} crops a cell)')
        for (finer, coarser), (p10, p90, std, n) in level_spreads(
                infos).items():
            print(f'  log({finer} / {coarser}) over {n} crops: 10th-90th '
                  f'percentile {p10:+.3f} to {p90:+.3f} (spread '
                  f'{p90 - p10:.3f}), std {std:.3f}')


if __name__ == '__main__':
    main()
