"""Time the chromosome-length measurement that normalises each crop's scale.

``ChromosomeDataset(length_reference=...)`` decodes every crop once when it
is first built, measures its chromosome (silhouette, skeleton, longest path;
``mmscl/datasets/morphometry.py``) and caches the lengths beside the
annotation. This script measures the crops of an annotation CSV without the
cache (``--workers`` processes), reports crops per second and the time that
makes for 126k crops (the paper's OGH-Fudan set), then builds the dataset
twice (the first build fills the cache, the second reads it). With
``--reference REV`` it first times, in this process, decoding the crops and
measuring them with this checkout's ``morphometry.py`` and with that of the
git revision ``REV``, and prints how far their lengths differ.

Example:
    python -m benchmarks.length_measurement /dev/shm/mmscl_data/gband612 \\
        train.csv --workers 2 --reference 65d372b
"""
import argparse
import os
import os.path as osp
import shutil
import subprocess
import tempfile
import time
import types

import numpy as np

from benchmarks import REPO_ROOT
from mmscl.datasets import ChromosomeDataset, morphometry
from mmscl.datasets.annotation import read_annotation_csv
from mmscl.datasets.reference_length import CACHE_FILE_NAME, measure_lengths
from mmscl.datasets.transforms import imread_grayscale

OGH_CROPS = 126000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('data_root', help='folder of the CSV and the crops')
    parser.add_argument('ann_file', help='annotation CSV in DATA_ROOT')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument(
        '--reference',
        metavar='REV',
        help='a git revision whose mmscl/datasets/morphometry.py to compare '
        'with, crop by crop')
    return parser.parse_args()


def morphometry_of(revision):
    """``mmscl/datasets/morphometry.py`` of a git revision, as a module."""
    source = subprocess.run(
        ['git', 'show', f'{revision}:mmscl/datasets/morphometry.py'],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    module = types.ModuleType(f'morphometry_{revision}')
    exec(compile(source, module.__name__, 'exec'), module.__dict__)
    return module


def timed(function, items):
    """The results of ``function`` on each item, and items per second."""
    start = time.perf_counter()
    results = [function(item) for item in items]
    return results, len(items) / (time.perf_counter() - start)


def compare_with(revision, paths):
    """Time decoding and measuring in this process, with this checkout's
    morphometry and that of ``revision``; print the rates and how far the
    lengths differ."""
    images, decode_rate = timed(imread_grayscale, paths)
    reference = morphometry_of(revision)
    rates, lengths = {}, {}
    for name, module in (('this checkout', morphometry),
                         (revision, reference)):
        measured, rates[name] = timed(
            lambda img: module.measure_crop(img)[0], images)
        lengths[name] = np.array(measured)
    print(f'one process, {len(paths)} crops: decoding {decode_rate:.0f} '
          'crops/s; measuring ' + ', '.join(
              f'{rates[name]:.0f} crops/s ({name}, '
              f'{1 / (1 / decode_rate + 1 / rates[name]):.0f} with '
              'decoding)' for name in rates))
    new, old = lengths['this checkout'], lengths[revision]
    both = (new > 0) & (old > 0)
    difference = np.abs(new[both] - old[both]) / old[both]
    print(f'lengths vs {revision}: {int((new != old).sum())} of '
          f'{len(paths)} differ, {int((difference > 0.01).sum())} by more '
          f'than 1%, largest {100 * difference.max(initial=0):.2f}%; '
          f'{int(((new > 0) != (old > 0)).sum())} found in one only.')


def main():
    args = parse_args()
    rows = read_annotation_csv(osp.join(args.data_root, args.ann_file))
    paths = [osp.join(args.data_root, row['img_path']) for row in rows]
    if args.reference:
        compare_with(args.reference, paths)
    start = time.perf_counter()
    lengths = measure_lengths(paths, cache_file=None,
                              num_workers=args.workers)
    seconds = time.perf_counter() - start
    rate = len(paths) / seconds
    # measure_lengths starts a pool only from 20000 crops (its log line
    # names the processes used).
    print(f'{len(paths)} crops measured in {seconds:.1f} s with --workers '
          f'{args.workers}: {rate:.0f} crops/s, so '
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
