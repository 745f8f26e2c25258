"""Benchmarks and experiments of mmscl (see benchmarks/README.md), run
from the repository root as modules, e.g. ``python -m
benchmarks.real_data --help``. Not installed with mmscl."""
import os.path as osp

# The checkout the benchmarks run in: its configs/, tools/ and work_dirs/.
REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
