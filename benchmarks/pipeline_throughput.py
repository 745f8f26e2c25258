"""Time the real-data training pipeline on one CPU core.

Runs LoadChromosomeImage -> Letterbox -> RandomRotate -> RandomFlip ->
RandomContrastGamma -> PackInputs (built from config dicts, as in
``configs/_base_/datasets/ogh.py``) over gband612 crops in a single process
with one thread, and prints images per second, both per CPU second of this
process (the per-core figure, robust to other load on the machine) and per
wall second, with the time of each transform.

Without ``SRC_DIR`` the gband612 tarball in ``<repo>/../shared/data`` is
extracted to a temporary folder first.

Example:
    python -m benchmarks.pipeline_throughput /tmp/gband612 --num-images 2000
"""
import argparse
import glob
import os.path as osp
import subprocess
import tempfile
import time

import cv2
import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.registry import DefaultScope

import mmscl.datasets.transforms  # noqa: F401  registers the transforms

SHARED_TARBALL = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), '..', 'shared', 'data',
    'gband612.tar.gz')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'src_dir',
        nargs='?',
        help='extracted gband612 folder (holding single_clase); default: '
        'extract the shared tarball to a temporary folder')
    parser.add_argument(
        '--num-images',
        type=int,
        default=2000,
        help='crops timed, evenly spread over the set (default: 2000)')
    parser.add_argument(
        '--canvas-size',
        type=int,
        default=176,
        help='Letterbox canvas (default: 176, above the longest gband612 '
        'crop diagonal, 169 px)')
    parser.add_argument('--scale', type=int, default=224)
    parser.add_argument(
        '--imdecode-backends',
        nargs='+',
        default=['pillow', 'cv2'],
        help='LoadChromosomeImage decoders in order (default: pillow cv2)')
    return parser.parse_args()


def time_pipeline(pipeline, paths):
    """Run ``pipeline`` over ``paths``; return the CPU and wall seconds in
    all and the CPU seconds spent in each transform."""
    per_transform = np.zeros(len(pipeline.transforms))
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    for index, path in enumerate(paths):
        results = dict(img_path=path, gt_label=0, sample_idx=index)
        for step, transform in enumerate(pipeline.transforms):
            start = time.process_time()
            results = transform(results)
            per_transform[step] += time.process_time() - start
    return (time.process_time() - cpu_start, time.perf_counter() - wall_start,
            per_transform)


def run(src_dir, args):
    paths = sorted(
        glob.glob(osp.join(src_dir, 'single_clase', '*', 'clase*', '*.tiff')))
    if not paths:
        raise FileNotFoundError(f'No gband612 crops under {src_dir}/'
                                'single_clase/<cellID>.tiff/clase<k>/')
    picks = np.linspace(0, len(paths) - 1, args.num_images).round()
    paths = [paths[int(i)] for i in picks]

    with DefaultScope.overwrite_default_scope('mmpretrain'):
        pipeline = Compose([
            dict(
                type='LoadChromosomeImage',
                imdecode_backends=args.imdecode_backends),
            dict(
                type='Letterbox',
                canvas_size=args.canvas_size,
                scale=args.scale),
            dict(type='RandomRotate', prob=1.0, angle=180.),
            dict(
                type='RandomFlip',
                prob=[0.25, 0.25],
                direction=['horizontal', 'vertical']),
            dict(type='RandomContrastGamma', prob=0.8),
            dict(type='PackInputs'),
        ])
    np.random.seed(0)
    time_pipeline(pipeline, paths[:100])  # warm-up
    cpu, wall, per_transform = time_pipeline(pipeline, paths)

    print(pipeline)
    print(f'{len(paths)} gband612 crops, one process, one thread:')
    for transform, seconds in zip(pipeline.transforms, per_transform):
        name = transform.__class__.__name__
        print(f'  {name:<22}{seconds / len(paths) * 1e3:8.3f} ms / image')
    print(f'{len(paths) / cpu:.0f} images per CPU second (per core), '
          f'{len(paths) / wall:.0f} images per wall second')


def main():
    args = parse_args()
    torch.set_num_threads(1)
    cv2.setNumThreads(0)
    if args.src_dir:
        run(args.src_dir, args)
        return
    if not osp.isfile(SHARED_TARBALL):
        raise FileNotFoundError(
            f'Give SRC_DIR: no gband612 tarball at {SHARED_TARBALL}')
    memory = '/dev/shm' if osp.isdir('/dev/shm') else None
    with tempfile.TemporaryDirectory(dir=memory) as tmp_dir:
        subprocess.run(['tar', 'xzf', SHARED_TARBALL, '-C', tmp_dir],
                       check=True)
        run(osp.join(tmp_dir, 'gband612'), args)


if __name__ == '__main__':
    main()
