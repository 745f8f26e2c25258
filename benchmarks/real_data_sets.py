"""The real crops of benchmarks/real_data.py: the sets, their splits as
training and test sets, and the copies of them the benchmark writes
(subsets, crops resized to another pixel scale or rotated)."""
import os
import os.path as osp
import subprocess
from collections import defaultdict
from typing import NamedTuple

import cv2
import mmcv
import numpy as np

from mmscl.datasets.annotation import (OPTIONAL_COLUMNS, read_annotation_csv,
                                       write_annotation_csv)
from mmscl.datasets.transforms import imread_grayscale
from benchmarks.tool_run import REPO_ROOT, TOOLS, ToolRun

TARBALL_DIRS = (osp.join(REPO_ROOT, '..', 'shared', 'data'),
                osp.join(REPO_ROOT, 'shared', 'data'))
# name: (folder of the crops inside the tarball, converter arguments)
DATASETS = {
    'gband612': ('single_clase', []),
    'qband119': ('single_chromosomes', ['--all']),
}


class Split(NamedTuple):
    """An annotation file of a set, as the benchmark uses it.

    Args:
        dataset (str): A key of :data:`DATASETS`.
        ann_file (str): The CSV the converter writes in the set's folder.
        external (bool): Tested with the external test config (the
            training config's is for gband612).
        description (str): What it is, for the report.
        without_ids (bool): Tested from a copy of the CSV without its
            id columns, as sets that ship no
            metadata (ChrmNet's class folders) are. Defaults to False.
    """
    dataset: str
    ann_file: str
    external: bool
    description: str
    without_ids: bool = False


TRAIN_SPLIT = Split('gband612', 'train.csv', False,
                    'Train: gband612 train split')
# Choices of settings are made on the validation split; the test sets are
# for the settings chosen.
TEST_SPLITS = {
    'validation':
    Split('gband612', 'val.csv', False,
          'validation: gband612 val split (held-out cases)'),
    'internal':
    Split('gband612', 'test.csv', False,
          'internal test: gband612 test split (held-out cases)'),
    'external':
    Split('qband119', 'all.csv', True,
          'external test: qband119, all crops (Q-band, inverted)'),
    'validation_no_ids':
    Split('gband612', 'val.csv', False,
          'validation without cell and patient ids', True),
    'internal_no_ids':
    Split('gband612', 'test.csv', False,
          'internal test without cell and patient ids', True),
    'external_no_ids':
    Split('qband119', 'all.csv', True,
          'external test without cell ids', True),
}
DEFAULT_TEST_SETS = ('internal', 'external')
# The resized and rotated copies are of this test set.
COPY_SOURCE = 'internal'


def used_splits(test_sets, copies):
    """The splits a benchmark reads.

    Args:
        test_sets (Sequence[str]): Keys of :data:`TEST_SPLITS`.
        copies (bool): Whether copies of :data:`COPY_SOURCE` are tested.

    Returns:
        dict[str, Split]: 'train' and every test set used, by name.
    """
    names = list(test_sets) + ([COPY_SOURCE] if copies else [])
    return dict(train=TRAIN_SPLIT,
                **{name: TEST_SPLITS[name] for name in names})


def find_tarball_dir(tarball_dir):
    """The folder holding the tarball of every set: ``tarball_dir`` or,
    if None, the first of :data:`TARBALL_DIRS` that does."""
    candidates = [tarball_dir] if tarball_dir else TARBALL_DIRS
    for folder in candidates:
        if all(
                osp.isfile(osp.join(folder, f'{name}.tar.gz'))
                for name in DATASETS):
            return folder
    raise FileNotFoundError(
        'gband612.tar.gz and qband119.tar.gz not found in '
        f'{", ".join(candidates)}: give --tarball-dir, or --data-dir with '
        'the extracted sets.')


def prepare_data(args):
    """Extract the sets and write their CSVs where missing.

    Args:
        args (argparse.Namespace): The benchmark's command line
            (``data_dir``, ``tarball_dir``, ``work_dir``, ``threads``,
            ``fresh_processes``, ``test_sets``, ``rescaled``,
            ``rotated``).

    Returns:
        dict[str, str]: The folder (data root) of each set used.
    """
    splits = used_splits(args.test_sets,
                         bool(args.rescaled or args.rotated)).values()
    roots = {}
    for name in dict.fromkeys(split.dataset for split in splits):
        crops, converter_args = DATASETS[name]
        root = osp.join(args.data_dir, name)
        if not osp.isdir(osp.join(root, crops)):
            tarball = osp.join(find_tarball_dir(args.tarball_dir),
                               f'{name}.tar.gz')
            print(f'Extracting {tarball} into {args.data_dir}', flush=True)
            os.makedirs(args.data_dir, exist_ok=True)
            subprocess.run(['tar', 'xzf', tarball, '-C', args.data_dir],
                           check=True)
            if not osp.isdir(osp.join(root, crops)):
                raise FileNotFoundError(
                    f'{tarball} did not give {osp.join(root, crops)}.')
        if not all(
                osp.isfile(osp.join(root, split.ann_file))
                for split in splits if split.dataset == name):
            print(f'Converting {name} (tools/dataset_converters/{name}.py)',
                  flush=True)
            run = ToolRun(
                osp.join(TOOLS, 'dataset_converters', f'{name}.py'),
                [root, root, *converter_args],
                osp.join(args.work_dir, f'convert_{name}.log'), args.threads,
                args.fresh_processes)
            run.wait()
            run.check()
        roots[name] = root
    return roots


def rescaled_name(factor):
    """The test set name of the copy of :data:`COPY_SOURCE` resized by
    ``factor``, e.g. ``'internal_x0.7'``."""
    return f'{COPY_SOURCE}_x{factor:g}'


def rotated_name(angle):
    """The test set name of the copy of :data:`COPY_SOURCE` rotated by
    ``angle`` degrees, e.g. ``'internal_rot45'``."""
    return f'{COPY_SOURCE}_rot{angle:g}'


TTA_SUFFIX = '_tta'


def tta_name(test_set):
    """The name of ``test_set`` tested with ``tools/test.py --tta``,
    e.g. ``'external_no_ids_tta'``."""
    return f'{test_set}{TTA_SUFFIX}'


def split_tta_name(name):
    """The (test set, whether with ``--tta``) of a test set name of
    :func:`tta_name`, or of another."""
    if name.endswith(TTA_SUFFIX):
        return name[:-len(TTA_SUFFIX)], True
    return name, False


BALANCED_SUFFIX = '_balanced'


def balanced_name(test_set):
    """The name of ``test_set``'s scores with the autosomes balanced over
    the set (``tools/test.py --balance-types``), e.g.
    ``'external_no_ids_tta_balanced'``."""
    return f'{test_set}{BALANCED_SUFFIX}'


def split_balanced_name(name):
    """The (test set, whether balanced) of a :func:`balanced_name`, or of
    another test set name."""
    if name.endswith(BALANCED_SUFFIX):
        return name[:-len(BALANCED_SUFFIX)], True
    return name, False


ADAPTED_INFIX = '_adapt'


def adapted_name(test_set, shift_scale):
    """The name of ``test_set`` tested with ``tools/test.py --adapt`` at
    ``--adapt-shift-scale shift_scale``, e.g. ``'external_adapt0.5'``."""
    return f'{test_set}{ADAPTED_INFIX}{shift_scale:g}'


def split_adapted_name(name):
    """The (test set, shift scale) of an :func:`adapted_name`; the shift
    scale is None for a test set tested as trained."""
    test_set, infix, scale = name.rpartition(ADAPTED_INFIX)
    if infix and test_set:
        try:
            return test_set, float(scale)
        except ValueError:
            pass
    return name, None


def _write_copy(root, csv_file, dst_root, change):
    """Write ``change(img)`` of every crop of ``csv_file`` (paths relative
    to ``root``) as a PNG under ``dst_root``, with the same CSV (cells
    kept), unless there already.

    Returns:
        str: The CSV of the copy.
    """
    dst_csv = osp.join(dst_root, osp.basename(csv_file))
    if osp.isfile(dst_csv):
        return dst_csv
    rows = []
    for row in read_annotation_csv(csv_file):
        img = imread_grayscale(osp.join(root, row['img_path']))
        path = osp.splitext(row['img_path'])[0] + '.png'
        os.makedirs(osp.dirname(osp.join(dst_root, path)), exist_ok=True)
        cv2.imwrite(osp.join(dst_root, path), change(img))
        rows.append(dict(row, img_path=path))
    write_annotation_csv(dst_csv, rows)
    return dst_csv


def write_rescaled_copy(root, csv_file, factor, dst_root):
    """Write the crops of ``csv_file`` resized by ``factor`` (see
    :func:`_write_copy`)."""
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC

    def resize(img):
        size = (max(1, round(img.shape[1] * factor)),
                max(1, round(img.shape[0] * factor)))
        return cv2.resize(img, size, interpolation=interpolation)

    return _write_copy(root, csv_file, dst_root, resize)


def write_rotated_copy(root, csv_file, angle, dst_root):
    """Write the crops of ``csv_file`` rotated clockwise by ``angle``
    degrees, whole, their new corners filled with the median of the crop's
    border (its background; see :func:`_write_copy`)."""

    def rotate(img):
        border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
        return mmcv.imrotate(img, angle, border_value=int(np.median(border)),
                             auto_bound=True)

    return _write_copy(root, csv_file, dst_root, rotate)


def write_without_ids(src_csv, dst_csv):
    """Write a copy of a CSV without its id columns (every optional one).

    Returns:
        str: ``dst_csv``.
    """
    write_annotation_csv(dst_csv, [{
        key: value
        for key, value in row.items() if key not in OPTIONAL_COLUMNS
    } for row in read_annotation_csv(src_csv)])
    return dst_csv


def write_subset(src_csv, dst_csv, per_type):
    """Write the first ``per_type`` crops of each type of a CSV.

    Returns:
        str: ``dst_csv``.
    """
    taken = defaultdict(int)
    rows = []
    for row in read_annotation_csv(src_csv):
        if taken[row['label']] < per_type:
            taken[row['label']] += 1
            rows.append(row)
    write_annotation_csv(dst_csv, rows)
    return dst_csv
