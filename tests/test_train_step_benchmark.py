"""benchmarks/train_step.py and the resolution experiment config it times."""
import os.path as osp
import subprocess
import sys

import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS

import mmscl  # noqa: F401
from conftest import CONFIGS, REPO_ROOT

OUTPUT_STRIDE16 = osp.join(
    REPO_ROOT, 'benchmarks/configs/scl_resnet18_gband612_output_stride16.py')


def test_output_stride16_keeps_twice_the_resolution():
    maps = {}
    for name, config in [('resnet18', osp.join(CONFIGS,
                                               'scl/resnet18_gband612.py')),
                         ('output_stride16', OUTPUT_STRIDE16)]:
        backbone = MODELS.build(Config.fromfile(config).model.backbone)
        maps[name] = backbone(torch.zeros(1, 1, 64, 64))[-1].shape
    assert maps == {
        'resnet18': (1, 512, 2, 2),
        'output_stride16': (1, 512, 4, 4)
    }


def train_step_figures(*options):
    """The lines of ``python -m benchmarks.train_step`` on the gband612
    configs at 1 step, from its heading ('median of 1 steps') on."""
    result = subprocess.run(
        [
            sys.executable, '-m', 'benchmarks.train_step', '--steps', '1',
            '--warmup', '0', '--threads', '1', '--scl-config',
            osp.join(CONFIGS, 'scl/resnet18_gband612.py'),
            '--baseline-config',
            osp.join(CONFIGS, 'baseline/resnet18_gband612.py'), *options
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True)
    lines = result.stdout.splitlines()
    # MMEngine's logger writes to stdout before the figures.
    return lines[next(i for i, line in enumerate(lines)
                      if 'median of 1 steps' in line):]


def test_train_step_times_every_model_at_every_size():
    lines = train_step_figures('--input-size', '32', '48', '--compare',
                               OUTPUT_STRIDE16)
    assert 'cpu (1 threads), batch 48 of 1 x 32 x 32 / 48 x 48,' in lines[0]
    timed = [line.split()[0] for line in lines[1:7]]
    assert timed == [
        f'{name}@{size}' for size in (32, 48) for name in
        ('SCL', 'baseline', 'scl_resnet18_gband612_output_stride16')
    ]
    ratios = [line.split(' = ')[0].strip() for line in lines[7:]]
    assert ratios == [
        f'{name} / baseline@32' for name in timed if name != 'baseline@32'
    ]


def test_train_step_times_the_fault_hooks_in_the_rotation():
    lines = train_step_figures('--input-size', '32', '--fault-hooks')[1:]
    assert [line.split(' ms/step')[0].rsplit(' ', 1)[0].strip()
            for line in lines[:4]] == [
                'SCL', 'baseline', 'SCL + fault hooks',
                'baseline + fault hooks'
            ]
    assert [line.split(' = ')[0].strip() for line in lines[4:7]] == [
        'SCL / baseline', 'SCL + fault hooks / SCL',
        'baseline + fault hooks / baseline'
    ]
    assert lines[7].startswith(
        '  fault hooks: CheckpointMatchHook, FiniteLossHook, ResumedLrHook, '
        'DisjointSplitsHook; their calls alone: ')
    assert lines[7].endswith(' us a step')
    assert [line.split(':')[0].strip() for line in lines[8:]] == [
        'SCL + fault hooks', 'baseline + fault hooks'
    ]
    assert all(line.endswith(' ms added to each checkpoint save')
               for line in lines[8:])
