"""Figures of finished runs as the benchmarks report them: the test
metrics and step times MMEngine logged in their work dirs, mean ± sample
std over seeds and differences paired by seed."""
import glob
import json
import os.path as osp
from typing import Dict, Iterable, List, Sequence

import mmengine
import numpy as np

from mmscl.evaluation import (ChromosomeMetric, find_metrics_file,
                              read_metrics_file)
from mmscl.karyotype import balance_autosomes


def read_test_metrics(
        test_dir: str,
        prefix: str = ChromosomeMetric.default_prefix) -> Dict[str, float]:
    """The :class:`ChromosomeMetric` values of the latest test run in a
    test work dir (see :func:`~mmscl.evaluation.find_metrics_file` and
    :func:`~mmscl.evaluation.read_metrics_file`)."""
    return read_metrics_file(find_metrics_file(test_dir), prefix)


def balanced_metrics(scores_file: str) -> Dict[str, float]:
    """The metrics of the scores a test dumped (``tools/test.py --out``)
    with the autosomes balanced over the test set: what ``tools/test.py
    --balance-types`` reports with the configs' test metric,
    ``ChromosomeMetric(per_type=True)``."""
    samples = mmengine.load(scores_file)
    scores = np.stack([sample['pred_score'].numpy() for sample in samples])
    labels = np.array([int(sample['gt_label']) for sample in samples])
    return ChromosomeMetric.calculate(
        balance_autosomes(scores), labels, per_type=True)


def read_step_times(work_dir: str) -> Dict[str, float]:
    """The median seconds of a training step, and of its wait for data, from
    the scalars MMEngine logged in a training work dir (of its latest run),
    the first log interval (the start-up) left out.

    Args:
        work_dir (str): The ``--work-dir`` of ``tools/train.py``.

    Returns:
        dict[str, float]: ``step_s`` and ``data_s``, rounded to 0.1 ms;
        empty when the run logged fewer than two intervals.
    """
    paths = sorted(
        glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not paths:
        return {}
    with open(paths[-1], encoding='utf-8') as f:
        logs = [json.loads(line) for line in f if line.strip()]
    # Training lines carry the loss; validation lines time their batches
    # too, but without a loss.
    logs = [log for log in logs if 'time' in log and 'loss' in log][1:]
    if not logs:
        return {}
    return dict(
        step_s=round(float(np.median([log['time'] for log in logs])), 4),
        data_s=round(float(np.median([log['data_time'] for log in logs])),
                     4))


def mean_std(values: Sequence[float], signed: bool = False) -> str:
    """``'mean ± std'`` of ``values`` (the sample std, over seeds), to two
    decimals; the mean alone for one value.

    Args:
        values (Sequence[float]): One figure per seed.
        signed (bool): Print the sign of the mean, as for a difference.
            Defaults to False.

    Returns:
        str: e.g. ``'82.40 ± 0.08'`` or ``'+0.95 ± 0.51'``.
    """
    values = np.asarray(values, dtype=float)
    text = f'{values.mean():+.2f}' if signed else f'{values.mean():.2f}'
    if len(values) == 1:
        return text
    return f'{text} ± {values.std(ddof=1):.2f}'


def seed_cells(by_seed: Dict[int, Sequence[float]]) -> List[str]:
    """:func:`mean_std` of every column of a method's figures over seeds.

    Args:
        by_seed (dict[int, Sequence[float]]): The figures (one per column)
            of each seed.

    Returns:
        list[str]: One ``'mean ± std'`` per column.
    """
    return [mean_std(column) for column in zip(*by_seed.values())]


def paired_seeds(*seeds: Iterable[int]) -> List[int]:
    """The seeds that every one of the given methods ran, in order.

    Args:
        *seeds (Iterable[int]): The seeds of each method (e.g. the keys of
            its figures by seed).

    Returns:
        list[int]: The seeds common to all, sorted.
    """
    return sorted(set.intersection(*(set(s) for s in seeds)))


def paired_delta_cells(minuend: Dict[int, Sequence[float]],
                       subtrahend: Dict[int, Sequence[float]]) -> List[str]:
    """The difference of two methods' figures, taken seed by seed over the
    seeds both ran (:func:`paired_seeds`), as signed ``'mean ± std'``.

    Args:
        minuend (dict[int, Sequence[float]]): The figures (one per column)
            of each seed of a method, e.g. SCL.
        subtrahend (dict[int, Sequence[float]]): Those of the method it is
            compared with, e.g. the baseline.

    Returns:
        list[str]: One ``'+mean ± std'`` per column; empty without a seed
        in common.
    """
    seeds = paired_seeds(minuend, subtrahend)
    deltas = [np.subtract(minuend[s], subtrahend[s]) for s in seeds]
    return [mean_std(column, signed=True) for column in zip(*deltas)]
