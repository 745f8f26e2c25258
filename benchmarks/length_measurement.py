"""Time the chromosome-length measurement that normalises each crop's scale.

``ChromosomeDataset(length_reference=...)`` decodes every crop once when it
is first built, measures its chromosome (silhouette, skeleton, longest path;
``mmscl/datasets/morphometry.py``) and caches the lengths beside the
annotation. This script measures the crops of an annotation CSV without the
cache (``--workers`` processes), reports crops per second and the time that
makes for 126k crops (the paper's OGH-Fudan set), then builds the dataset
twice (the first build fills the cache, the second reads it).

Example:
    python benchmarks/length_measurement.py /dev/shm/mmscl_data/gband612 \\
        train.csv --workers 2
"""
import argparse
import os
import os.path as osp
import shutil
import tempfile
import time

from mmscl.datasets import ChromosomeDataset
from mmscl.datasets.annotation import read_annotation_csv
from mmscl.datasets.reference_length import CACHE_FILE_NAME, measure_lengths

OGH_CROPS = 126000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('data_root', help='folder of the CSV and the crops')
    parser.add_argument('ann_file', help='annotation CSV in DATA_ROOT')
    parser.add_argument('--workers', type=int, default=2)
    return parser.parse_args()


def main():
    args = parse_args()
    rows = read_annotation_csv(osp.join(args.data_root, args.ann_file))
    paths = [osp.join(args.data_root, row['img_path']) for row in rows]
    start = time.perf_counter()
    lengths = measure_lengths(paths, cache_file=None,
                              num_workers=args.workers)
    seconds = time.perf_counter() - start
    rate = len(paths) / seconds
    print(f'{len(paths)} crops measured in {seconds:.1f} s with '
          f'{args.workers} worker(s): {rate:.0f} crops/s, so '
          f'{OGH_CROPS / rate / 60:.1f} min for {OGH_CROPS} crops; '
          f'{int((lengths == 0).sum())} without a chromosome.')

    with tempfile.TemporaryDirectory() as tmp:
        # The CSV in a fresh folder (no cache yet), the crops where they are.
        ann_file = osp.join(tmp, 'ann.csv')
        shutil.copy(osp.join(args.data_root, args.ann_file), ann_file)
        for build in ('first (fills the cache)', 'second (reads it)'):
            start = time.perf_counter()
            ChromosomeDataset(
                ann_file=ann_file,
                data_prefix=dict(img_path=osp.abspath(args.data_root)),
                test_mode=True,
                check_images=False)
            print(f'dataset build, {build}: '
                  f'{time.perf_counter() - start:.1f} s')
        cache_mib = os.path.getsize(osp.join(tmp, CACHE_FILE_NAME)) / 2**20
        print(f'cache: {cache_mib:.1f} MiB')


if __name__ == '__main__':
    main()
