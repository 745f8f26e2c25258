"""The report of benchmarks/real_data.py: what was run, and tables of
the test metrics of every method over seeds, with the differences of SCL
from the baseline paired by seed, for any test sets and methods."""
import datetime
import os.path as osp

import numpy as np
from mmpretrain.registry import MODELS

from benchmarks.real_data_sets import (COPY_SOURCE, TEST_SPLITS,
                                       TRAIN_SPLIT, balanced_name,
                                       split_adapted_name,
                                       split_balanced_name, split_tta_name)
from benchmarks.reports import paired_delta_cells, paired_seeds, seed_cells
from benchmarks.tool_run import REPO_ROOT, machine_description
from mmscl.datasets.categories import CHROMOSOME_CATEGORIES
from mmscl.evaluation import METRIC_LABELS
from mmscl.utils import markdown_table

# The baseline and SCL by default; the comparison models of the paper's
# Table 2 (configs/comparison/) on request.
METHODS = ('baseline', 'scl', 'varifocal-net', 'hr-net')
DEFAULT_METHODS = ('baseline', 'scl')
METHOD_NAMES = {
    'baseline': 'Baseline',
    'scl': 'SCL',
    'varifocal-net': 'Varifocal-Net',
    'hr-net': 'HR-Net'
}


def batch_description(train_dataloader):
    """What a training step sees, e.g. ``'2 x 24 paired crops'``.

    Args:
        train_dataloader (dict): The ``train_dataloader`` of a config.

    Returns:
        str: The batch.
    """
    batch_sampler = train_dataloader.get('batch_sampler') or {}
    if batch_sampler.get('type') == 'PairedTypeBatchSampler':
        return f'2 x {len(CHROMOSOME_CATEGORIES)} paired crops'
    shuffled = (train_dataloader.get('sampler') or {}).get('shuffle')
    return (f"{train_dataloader['batch_size']} "
            f"{'shuffled ' if shuffled else ''}crops")


def model_description(model):
    """The backbone of a classifier config, e.g. ``'ResNet-18'``, or the
    model's type where its backbone is composite (the Table 2 models)."""
    backbone = model.get('backbone')
    if backbone is None or getattr(
            MODELS.get(backbone.type), 'image_branch', None):
        return model.type
    return backbone.get('model_name') or (
        f"{backbone.type}-{backbone.get('depth', '')}".rstrip('-'))


def describe_runs(cfgs, config_files, test_sets, args):
    """The settings of a benchmark, as its report states them.

    Args:
        cfgs (dict[str, Config]): The config of each method as trained.
        config_files (dict[str, str]): The config file of each method.
        test_sets (Sequence[str]): The test sets, the copies included.
        args (argparse.Namespace): The command line (``seeds``,
            ``subset``, ``cfg_options``).

    Returns:
        dict: The settings; the model, input and schedule are the SCL
        config's (the baseline's without SCL runs).
    """
    cfg = cfgs['scl'] if 'scl' in cfgs else next(iter(cfgs.values()))
    letterbox = next(t for t in cfg.train_dataloader.dataset.pipeline
                     if t['type'] == 'Letterbox')
    return dict(
        backbone=model_description(cfg.model),
        input_size=letterbox['scale'],
        scale_setting=(
            f"reference fraction {letterbox['reference_fraction']:g}"
            if letterbox.get('reference_fraction') else
            f"{letterbox['canvas_size']} px canvas"),
        max_iters=cfg.train_cfg.max_iters,
        batches={
            m: batch_description(c.train_dataloader)
            for m, c in cfgs.items()
        },
        lr=cfg.optim_wrapper.optimizer.lr,
        optimizer=cfg.optim_wrapper.optimizer.type,
        seeds=list(range(args.seeds)),
        subset=args.subset,
        cfg_options=list(args.cfg_options),
        configs={m: osp.relpath(f, REPO_ROOT)
                 for m, f in config_files.items()},
        test_sets=list(test_sets),
        machine=machine_description(),
        date=datetime.datetime.now().strftime('%Y-%m-%d %H:%M'),
    )


def test_set_label(test_set):
    """The name of a test set in a table, e.g. ``'Internal x0.7'``,
    ``'Internal rot45'``."""
    return test_set.replace('_', ' ').capitalize()


def _by_seed(results, method, columns):
    """seed -> the values of ``columns`` ((test set, metric) pairs) of a
    method's runs."""
    return {
        seed: [value[test_set][key] for test_set, key in columns]
        for (m, seed), value in sorted(results.items()) if m == method
    }


def seed_table(results, methods, columns):
    """A table of mean ± std over seeds, a row per method, and the paired
    difference of SCL from the baseline when both ran.

    Args:
        results (dict): (method, seed) -> {test set: metrics}.
        methods (Sequence[str]): The methods with runs, in table order.
        columns (Sequence[tuple[str, str]]): (test set, metric) of each
            column.

    Returns:
        str: The Markdown table.
    """
    by_method = {m: _by_seed(results, m, columns) for m in methods}
    rows = [[METHOD_NAMES[m]] + seed_cells(by_method[m]) for m in methods]
    if set(DEFAULT_METHODS) <= set(methods):
        delta = paired_delta_cells(by_method['scl'], by_method['baseline'])
        if delta:
            rows.append(['Δ SCL − baseline'] + delta)
    headers = ['Method'] + [
        f'{test_set_label(test_set)} {METRIC_LABELS[key]}'
        for test_set, key in columns
    ]
    return markdown_table(headers, rows)


def variant_table(results, methods, test_set, variants, headers):
    """Accuracy on ``test_set`` as tested plainly and in each variant
    (``--adapt`` at a shift scale, ``--tta``, ``--balance-types``): mean ±
    std over seeds, a row per method, then the paired difference each
    variant makes, a row per method.

    Args:
        results (dict): (method, seed) -> {test set: metrics}.
        methods (Sequence[str]): The methods with runs, in table order.
        test_set (str): The test set tested plainly.
        variants (Sequence[str]): The names of its variants
            (:func:`~real_data_sets.adapted_name`,
            :func:`~real_data_sets.tta_name`,
            :func:`~real_data_sets.balanced_name`).
        headers (Sequence[str]): The header of each variant's column.

    Returns:
        str: The Markdown table.
    """
    columns = [(test_set, 'accuracy')] + [(t, 'accuracy') for t in variants]
    rows = []
    deltas = []
    for method in methods:
        by_seed = _by_seed(results, method, columns)
        rows.append([METHOD_NAMES[method]] + seed_cells(by_seed))
        as_trained = {seed: [values[0]] * len(variants)
                      for seed, values in by_seed.items()}
        gains = {seed: values[1:] for seed, values in by_seed.items()}
        deltas.append([f'Δ {METHOD_NAMES[method]}', '']
                      + paired_delta_cells(gains, as_trained))
    return markdown_table(
        ['Method', f'{test_set_label(test_set)} Accuracy', *headers],
        rows + deltas)


def recall_table(results, methods, test_sets):
    """Recall of every type, mean over seeds, a column per test set and
    method ('-' where no run measured it)."""
    columns = [(t, m) for t in test_sets for m in methods]
    rows = []
    for name in CHROMOSOME_CATEGORIES:
        cells = []
        for test_set, method in columns:
            recalls = [
                value[test_set][f'recall_{name}']
                for (m, _), value in results.items()
                if m == method and f'recall_{name}' in value[test_set]
            ]
            cells.append(f'{np.mean(recalls):.1f}' if recalls else '-')
        rows.append([name] + cells)
    return markdown_table(
        ['Type'] + [f'{METHOD_NAMES[m]} {t}' for t, m in columns], rows)


def runs_table(results, test_sets):
    """A row per run: its training time and its accuracy on every test
    set."""
    rows = []
    for (method, seed), value in sorted(results.items()):
        train = value.get('train', {})
        rows.append([
            METHOD_NAMES[method], str(seed),
            *(str(train.get(key, ''))
              for key in ('seconds', 'step_s', 'data_s')),
            *(f"{value[t]['accuracy']:.2f}" for t in test_sets)
        ])
    return markdown_table(
        ['Method', 'Seed', 'Train s', 's/step', 'data s/step'] +
        [f'{test_set_label(t)} Acc' for t in test_sets], rows, 2)


def _settings_lines(settings):
    """What was run: the data, the model and schedule, the machine."""
    s = settings
    methods = list(s['configs'])
    splits = [TRAIN_SPLIT] + [
        TEST_SPLITS[t] for t in s['test_sets'] if t in TEST_SPLITS
    ]
    batches = [s['batches'][m] for m in methods]
    if len(set(batches)) > 1:
        batches = [f'{batch} ({METHOD_NAMES[m]})'
                   for m, batch in zip(methods, batches)]
    return [
        f"- {'; '.join(split.description for split in splits)}.",
        f"- {s['backbone']}, {s['input_size']} px input ({s['scale_setting']}"
        f"), {s['max_iters']} steps of {' / '.join(dict.fromkeys(batches))},"
        f" {s['optimizer']} lr {s['lr']:g}; configs "
        f"{', '.join(s['configs'][m] for m in methods)}"
        + (f"; options {' '.join(s['cfg_options'])}"
           if s['cfg_options'] else '') + '.',
        f"- {s['machine']}; {s['date']}.",
    ]


def format_report(results, settings):
    """The markdown report of the finished runs.

    Args:
        results (dict): (method, seed) -> {test set: metrics, 'train':
            times} of the finished runs.
        settings (dict): What was run (``Benchmark.settings``), with
            ``test_sets``: keys of :data:`TEST_SPLITS` and the resized and
            rotated copies of the internal test set.

    Returns:
        str: The report.
    """
    methods = [m for m in METHODS if any(k[0] == m for k in results)]
    test_sets = settings['test_sets']
    balanced = [t for t in test_sets if split_balanced_name(t)[1]]
    adapted = [t for t in test_sets if split_adapted_name(t)[1] is not None]
    averaged = [t for t in test_sets
                if t not in adapted and split_tta_name(t)[1]]
    main = [t for t in test_sets if t in TEST_SPLITS]
    copies = [t for t in test_sets if t not in TEST_SPLITS
              and t not in adapted + averaged + balanced]
    lines = [f"## {' vs '.join(METHOD_NAMES[m] for m in methods)} on real "
             'crops', '',
             *_settings_lines(settings)]
    if settings['subset']:
        lines.append(f"- SUBSET of {settings['subset']} crops per type and "
                     'split: a check of the pipeline, not a result.')
    seeds = {m: sorted(s for k, s in results if k == m) for m in methods}
    lines.append('- Mean ± sample std over seeds ' + ', '.join(
        f'{seeds[m]} ({METHOD_NAMES[m]})' for m in methods) + (
            '; Δ paired by seed '
            f"({paired_seeds(seeds['scl'], seeds['baseline'])})"
            if set(DEFAULT_METHODS) <= set(methods) else '') + '.')
    if main:
        columns = [(t, key) for t in main for key in METRIC_LABELS]
        lines += ['', seed_table(results, methods, columns)]
    if copies:
        columns = [t for t in main if t == COPY_SOURCE] + copies
        lines += [
            '', '### Internal test with its crops resized (another pixel '
            'scale) or rotated (another cropping angle)', '',
            seed_table(results, methods, [(t, 'accuracy') for t in columns])
        ]
    if averaged:
        lines += [
            '', '### Tested with --tta (scores averaged over views at '
            'scales around the reference length)'
        ]
        for test_set in main + copies:
            variants = [t for t in averaged
                        if split_tta_name(t)[0] == test_set]
            if variants:
                lines += ['', variant_table(results, methods, test_set,
                                            variants, ['--tta'])]
    if adapted:
        lines += [
            '', '### Tested with --adapt (BatchNorm statistics re-estimated '
            "on the test set's crops, no labels read)"
        ]
        for test_set in main + copies + averaged:
            variants = [t for t in adapted
                        if split_adapted_name(t)[0] == test_set]
            if variants:
                lines += ['', variant_table(
                    results, methods, test_set, variants,
                    [f'--adapt-shift-scale {split_adapted_name(t)[1]:g}'
                     for t in variants])]
    if balanced:
        lines += [
            '', '### Tested with --balance-types (the autosomes balanced '
            "over the test set, from the same test's scores)"
        ]
        for test_set in main + copies + averaged + adapted:
            if balanced_name(test_set) in balanced:
                lines += ['', variant_table(
                    results, methods, test_set, [balanced_name(test_set)],
                    ['--balance-types'])]
    if main:
        lines += ['', '### Recall per type (mean over seeds)', '',
                  recall_table(results, methods, main)]
    lines += ['', '### Runs', '', runs_table(results, main)]
    return '\n'.join(lines) + '\n'
