"""Time the shipped gband612 training pipeline on one CPU core.

Builds the training dataset of ``--config`` (by default
``configs/scl/resnet18_gband612.py``: NormalizeStain, the reference level
and scale draws and the reference-length Letterbox among its transforms)
over gband612's train split, so that every crop has the ``ref_lengths``
the dataset measures, and runs its pipeline over crops spread evenly over
the split, in a single process with one thread, item by item as the
dataset does. Prints images per second, both per CPU second of this
process (the per-core figure, robust to other load on the machine) and per
wall second, with the time of each transform. Building the dataset (the
length measurement, cached next to the crops) is not timed.

``SRC_DIR`` is a gband612 folder with the converter's ``train.csv``;
without it, the gband612 tarball (``--tarball-dir``, or
``<repo>/../shared/data``) is extracted to a temporary folder and
converted first.

Example:
    python -m benchmarks.pipeline_throughput data/gband612 --num-images 2000
"""
import argparse
import os.path as osp
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpretrain.registry import DATASETS

import mmscl  # noqa: F401  registers the datasets and transforms
from benchmarks import REPO_ROOT
from benchmarks.real_data_sets import find_tarball_dir
from mmscl.utils import set_input_size


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'src_dir',
        nargs='?',
        help='gband612 folder holding single_clase and train.csv; default: '
        'extract and convert the shared tarball in a temporary folder')
    parser.add_argument(
        '--config',
        default=osp.join(REPO_ROOT, 'configs/scl/resnet18_gband612.py'),
        help='config whose train_dataloader dataset and pipeline are timed '
        '(default: configs/scl/resnet18_gband612.py)')
    parser.add_argument(
        '--input-size', type=int,
        help="side of the Letterbox output (default: the config's)")
    parser.add_argument(
        '--num-images',
        type=int,
        default=2000,
        help='crops timed, evenly spread over the split (default: 2000)')
    parser.add_argument(
        '--tarball-dir',
        help='folder of gband612.tar.gz and qband119.tar.gz, without '
        'SRC_DIR (default: <repo>/../shared/data)')
    return parser.parse_args(argv)


def time_pipeline(dataset, indices):
    """Run the dataset's pipeline over the data infos of ``indices``;
    return the CPU and wall seconds in all and the CPU seconds spent in
    each transform."""
    transforms = dataset.pipeline.transforms
    per_transform = np.zeros(len(transforms))
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    for index in indices:
        results = dataset.get_data_info(index)
        for step, transform in enumerate(transforms):
            start = time.process_time()
            results = transform(results)
            per_transform[step] += time.process_time() - start
    return (time.process_time() - cpu_start, time.perf_counter() - wall_start,
            per_transform)


def build_train_dataset(config, src_dir, input_size=None):
    """The training dataset of ``config`` (its pipeline, its reference
    lengths), over the crops of ``src_dir``, with the Letterbox output
    side set to ``input_size`` if given."""
    cfg = Config.fromfile(config)
    if input_size is not None:
        set_input_size(cfg, input_size)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.update(data_root=src_dir, serialize_data=False)
    return DATASETS.build(dataset_cfg)


def run(src_dir, args):
    start = time.perf_counter()
    dataset = build_train_dataset(args.config, src_dir, args.input_size)
    print(f'{len(dataset)} crops of {dataset.ann_file} '
          f'read and measured in {time.perf_counter() - start:.1f} s')
    indices = np.linspace(0, len(dataset) - 1,
                          args.num_images).round().astype(int)
    np.random.seed(0)
    time_pipeline(dataset, indices[:100])  # warm-up
    cpu, wall, per_transform = time_pipeline(dataset, indices)

    print(dataset.pipeline)
    print(f'{len(indices)} gband612 crops through the training pipeline of '
          f'{osp.relpath(args.config, REPO_ROOT)}, one process, one thread:')
    for transform, seconds in zip(dataset.pipeline.transforms,
                                  per_transform):
        name = transform.__class__.__name__
        print(f'  {name:<22}{seconds / len(indices) * 1e3:8.3f} ms / image')
    print(f'{len(indices) / cpu:.0f} images per CPU second (per core), '
          f'{len(indices) / wall:.0f} images per wall second')


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    cv2.setNumThreads(0)
    if args.src_dir:
        run(args.src_dir, args)
        return
    tarball = osp.join(find_tarball_dir(args.tarball_dir), 'gband612.tar.gz')
    memory = '/dev/shm' if osp.isdir('/dev/shm') else None
    with tempfile.TemporaryDirectory(dir=memory) as tmp_dir:
        subprocess.run(['tar', 'xzf', tarball, '-C', tmp_dir], check=True)
        src_dir = osp.join(tmp_dir, 'gband612')
        subprocess.run([
            sys.executable,
            osp.join(REPO_ROOT, 'tools', 'dataset_converters',
                     'gband612.py'), src_dir, src_dir
        ], check=True)
        run(src_dir, args)


if __name__ == '__main__':
    main()
