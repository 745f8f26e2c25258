"""Markdown tables of the test metrics of finished runs, in the layout of
the SCL paper's Table 1 (each model without and with SCL, with deltas)
and Table 2 (the best SCL model against comparison models)."""
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from mmscl.evaluation import (METRIC_LABELS, dumped_config_file,
                              find_metrics_file, read_config_data,
                              read_metrics_file)
from mmscl.utils import markdown_table
from .features import uses_scl


@dataclass
class RunMetrics:
    """The test metrics of one trained model.

    Args:
        name (str): Name of the model in the table.
        metrics (list[dict]): One ``{metric: value}`` per test split, in
            percent.
        files (list[str]): The metric file of every split.
    """
    name: str
    metrics: List[Dict[str, float]]
    files: List[str]


def _run_uses_scl(metrics_file: str) -> Optional[bool]:
    """Whether the config dumped next to a metrics file uses SCL (None
    when it is not there or says nothing about SCL); the config is read
    as data, never run."""
    config = dumped_config_file(metrics_file)
    if not osp.isfile(config):
        return None
    settings = read_config_data(config)
    return uses_scl(settings) if 'model' in settings else None


def read_run(name: str,
             work_dir: str,
             split_dirs: Sequence[str],
             expect_scl: Optional[bool] = None) -> RunMetrics:
    """Read the test metrics of a run on every split.

    Args:
        name (str): Name of the model in the table.
        work_dir (str): Training work dir holding one test folder per split
            (as ``tools/quickstart.sh`` writes them).
        split_dirs (Sequence[str]): Test folder (or metrics ``.json``) of
            each split, relative to ``work_dir``.
        expect_scl (bool, optional): Whether the run must use SCL; checked
            against the config dumped by the test run, if any. Defaults to
            None, which checks nothing.

    Returns:
        RunMetrics: The metrics of every split.
    """
    files = [find_metrics_file(osp.join(work_dir, d)) for d in split_dirs]
    if expect_scl is not None:
        for path in files:
            if _run_uses_scl(path) not in (None, expect_scl):
                raise ValueError(
                    f'{name}: {path} was tested with a model '
                    f"{'without' if expect_scl else 'with'} SCL, but is "
                    f"given as the run {'with' if expect_scl else 'without'}"
                    ' SCL: pass --run NAME BASELINE_DIR SCL_DIR.')
    return RunMetrics(name, [read_metrics_file(path) for path in files],
                      files)


def _headers(split_names: Sequence[str]) -> List[str]:
    return [
        f'{split} {title} (%)' for split in split_names
        for title in METRIC_LABELS.values()
    ]


def _best(rows: Sequence[RunMetrics]) -> List[float]:
    """The best value of every (split, metric) column."""
    return [
        max(row.metrics[split][key] for row in rows)
        for split in range(len(rows[0].metrics)) for key in METRIC_LABELS
    ]


def _cells(run: RunMetrics, best: Sequence[float],
           baseline: Optional[RunMetrics] = None) -> List[str]:
    """Formatted values of a run, bold where best, with the change from a
    baseline run in brackets."""
    cells = []
    column = 0
    for split, values in enumerate(run.metrics):
        for key in METRIC_LABELS:
            value = values[key]
            text = f'{value:.2f}'
            if round(value, 2) == round(best[column], 2):
                text = f'**{text}**'
            if baseline is not None:
                text += f' ({value - baseline.metrics[split][key]:+.2f})'
            cells.append(text)
            column += 1
    return cells


def ablation_table(pairs: Sequence[Sequence[RunMetrics]],
                   split_names: Sequence[str]) -> str:
    """Table 1 of the paper: every model without and with SCL, the SCL
    row with its change from the baseline, the best value of each column
    in bold.

    Args:
        pairs (Sequence[Sequence[RunMetrics]]): ``(baseline, scl)`` runs of
            each model.
        split_names (Sequence[str]): Name of each test split.

    Returns:
        str: The Markdown table.
    """
    best = _best([run for pair in pairs for run in pair])
    rows = []
    for baseline, scl in pairs:
        rows.append([baseline.name, ''] + _cells(baseline, best))
        rows.append([scl.name, '✓'] + _cells(scl, best, baseline))
    return markdown_table(['Classifier', 'SCL'] + _headers(split_names),
                          rows, 2)


def comparison_table(runs: Sequence[RunMetrics],
                     split_names: Sequence[str]) -> str:
    """Table 2 of the paper: models side by side, the best value of each
    column in bold.

    Args:
        runs (Sequence[RunMetrics]): The models, in table order.
        split_names (Sequence[str]): Name of each test split.

    Returns:
        str: The Markdown table.
    """
    best = _best(runs)
    rows = [[run.name] + _cells(run, best) for run in runs]
    return markdown_table(['Classifier'] + _headers(split_names), rows, 1)
