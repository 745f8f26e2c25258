"""Benchmarks and experiments of mmscl (see benchmarks/README.md), run
from the repository root as modules, e.g. ``python -m
benchmarks.real_data --help``. Not installed with mmscl."""
import os.path as osp

# The checkout the benchmarks run in: its configs/, tools/ and work_dirs/.
REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def add_config_arguments(parser, name):
    """Add ``--scl-config`` and ``--baseline-config``, by default the
    configs ``configs/scl/<name>.py`` and ``configs/baseline/<name>.py`` of
    this checkout.

    Args:
        parser (argparse.ArgumentParser): The benchmark's parser.
        name (str): The config name of both defaults, e.g. 'resnet50_ogh'.
    """
    for kind in ('scl', 'baseline'):
        parser.add_argument(
            f'--{kind}-config',
            default=osp.join(REPO_ROOT, f'configs/{kind}/{name}.py'))
