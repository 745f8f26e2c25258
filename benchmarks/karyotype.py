"""What the cell's constraint adds to trained models, and how well its
abnormality flags work.

For every run folder (a work dir of ``tools/train.py`` holding its config
and checkpoint, e.g. ``work_dirs/real_data/scl_seed0``), runs the config's
test split through the model once and computes, with
:meth:`KaryotypeMetric.calculate`, crop accuracy and macro recall without
and with the constraint, the fully-correct-cell rate and sex accuracy.
Then, on the complete test cells (46 crops, two of each autosome), it makes
each cell abnormal on purpose at the score level: one crop of a random
autosome dropped (a monosomy) or one more crop of a random autosome added,
borrowed from another test cell (a trisomy); and reports, for every
``--confidence``, how often the gain flag fires on the unmodified cells
(false alarms) and on the right type of the trisomy cells (detection), and
how often the monosomy's type is among the empty slots. Time per cell of
the assignment is measured on the unmodified cells, and the whole of
``tools/karyotype.py`` on the first test cell of the first run.

Runs are grouped into methods by folder name without its ``_seed<k>``;
the markdown table gives mean +- std over the runs (seeds) of each method.

Examples:
    # The runs of benchmarks/real_data.py (each tested, so the test config
    # with its data paths is in RUN/test_internal/), gband612 then qband119
    python -m benchmarks.karyotype work_dirs/real_data/*_seed* \\
        --out work_dirs/real_data/karyotype_internal
    python -m benchmarks.karyotype work_dirs/real_data/*_seed* \\
        --test-set external --out work_dirs/real_data/karyotype_external
    # Another data folder than the config's
    python -m benchmarks.karyotype RUN --cfg-options \\
        test_dataloader.dataset.data_root=/data/gband612
"""
import argparse
import csv
import glob
import json
import os
import os.path as osp
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpretrain.apis import init_model

import mmscl  # noqa: F401  (registers mmscl's modules, safe checkpoints)
from benchmarks import REPO_ROOT
from benchmarks.reports import mean_std
from mmscl.apis import score_dataset
from mmscl.evaluation.metrics import KaryotypeMetric
from mmscl.karyotype import assign_cell, group_by_cell

AUTOSOMES = np.arange(22)
# Columns of the table: (key, header).
CELL_COLUMNS = (('accuracy', 'crop acc.'),
                ('accuracy_constrained', 'crop acc. constrained'),
                ('recall', 'recall'),
                ('recall_constrained', 'recall constrained'),
                ('cell_accuracy', 'cells correct'),
                ('cell_accuracy_constrained', 'cells correct constrained'),
                ('sex_accuracy', 'sex acc.'))
FLAG_COLUMNS = (('false_alarm', 'gain flag on normal cells'),
                ('trisomy_detected', 'trisomy flagged (right type)'),
                ('monosomy_located', 'monosomy located (right type)'))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.splitlines()[2:]))
    parser.add_argument('runs', nargs='+', help='run folders')
    parser.add_argument(
        '--confidence', type=float, nargs='+',
        default=[0.7, 0.8, 0.9, 0.95],
        help='confidence thresholds of the gain flag to measure')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of every run config, e.g. the test data_root')
    parser.add_argument(
        '--test-set', default='internal',
        help='use the config of RUN/test_<TEST_SET>/ when there is one '
        '(real_data.py: internal = gband612, external = qband119)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the abnormal cells (default: 0)')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--out', help='write the table (.md) and the '
                        'figures of every run (.json) with this stem')
    parser.add_argument('--no-tool-timing', action='store_true',
                        help='do not time tools/karyotype.py')
    return parser.parse_args(argv)


def run_files(run_dir, test_set='internal'):
    """The config and checkpoint of a run folder: the config as tested
    (``test_<test_set>/*.py``, as ``real_data.py`` leaves it) if there is
    one, else as trained; the checkpoint ``last_checkpoint`` names, else
    the newest ``*.pth``."""
    configs = (sorted(glob.glob(osp.join(run_dir, f'test_{test_set}',
                                         '*.py')))
               or sorted(glob.glob(osp.join(run_dir, '*.py'))))
    if not configs:
        raise FileNotFoundError(f'No config (*.py) in {run_dir}.')
    pointer = osp.join(run_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            checkpoint = f.read().strip()
    else:
        checkpoints = sorted(glob.glob(osp.join(run_dir, '*.pth')),
                             key=osp.getmtime)
        if not checkpoints:
            raise FileNotFoundError(f'No checkpoint (*.pth) in {run_dir}.')
        checkpoint = checkpoints[-1]
    return configs[0], checkpoint


def predict_test_split(cfg, checkpoint, batch_size):
    """Scores, labels and cell ids of the config's test split."""
    model = init_model(cfg, checkpoint, device='cpu').eval()
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    loader_cfg = cfg.test_dataloader.copy()
    loader_cfg.update(batch_size=batch_size, num_workers=0,
                      persistent_workers=False)
    try:
        scored = score_dataset(model, Runner.build_dataloader(loader_cfg),
                               metainfo_keys=('cell_id', ))
    except KeyError as error:
        raise ValueError(f'{cfg.filename}: the test split has no cell_id '
                         f'({error.args[0]})') from None
    return (scored.scores, scored.labels, scored.metainfo['cell_id'],
            scored.img_paths)


def complete_cells(labels, cells):
    """The cells with two crops of each autosome and 46 crops."""
    return [
        indices for indices in cells.values() if len(indices) == 46 and
        (np.bincount(labels[indices], minlength=24)[AUTOSOMES] == 2).all()
    ]


def flag_rates(scores, labels, cells, thresholds, seed):
    """Flag rates on complete cells, unmodified and made abnormal."""
    rng = np.random.default_rng(seed)
    complete = complete_cells(labels, cells)
    if len(complete) < 2:
        raise ValueError('Fewer than two complete test cells: cannot '
                         'borrow a crop for the trisomies.')
    # One abnormality per complete cell, drawn once for every threshold.
    trisomies, monosomies = [], []
    for k, indices in enumerate(complete):
        gained = rng.choice(AUTOSOMES)
        donor = complete[(k + 1 + rng.integers(len(complete) - 1)) %
                         len(complete)]
        extra = rng.choice(donor[labels[donor] == gained])
        trisomies.append((np.append(indices, extra), gained))
        lost = rng.choice(AUTOSOMES)
        dropped = rng.choice(indices[labels[indices] == lost])
        monosomies.append((indices[indices != dropped], lost))
    rates = {}
    for confidence in thresholds:
        rates[confidence] = dict(
            false_alarm=100 * np.mean([
                bool(assign_cell(scores[i], confidence).gains)
                for i in complete
            ]),
            trisomy_detected=100 * np.mean([
                int(t) in assign_cell(scores[i], confidence).gains
                for i, t in trisomies
            ]),
            monosomy_located=100 * np.mean([
                int(t) in assign_cell(scores[i], confidence).losses
                for i, t in monosomies
            ]),
            cells=len(complete))
    return rates


def assignment_ms(scores, cells):
    """Mean time of one cell's assignment (both sexes), in ms."""
    start = time.perf_counter()
    for indices in cells.values():
        assign_cell(scores[indices])
    return 1000 * (time.perf_counter() - start) / len(cells)


def time_tool(config, checkpoint, options, img_paths, cell_ids):
    """Wall time of tools/karyotype.py on the first test cell, in s."""
    first = cell_ids[0]
    with tempfile.TemporaryDirectory() as tmp_dir:
        csv_path = osp.join(tmp_dir, 'cell.csv')
        with open(csv_path, 'w', newline='') as f:
            writer = csv.writer(f)
            writer.writerow(['img_path', 'cell_id'])
            writer.writerows((path, cell_id)
                             for path, cell_id in zip(img_paths, cell_ids)
                             if cell_id == first)
        argv = [sys.executable, osp.join(REPO_ROOT, 'tools', 'karyotype.py'),
                config, checkpoint, csv_path, '--out', tmp_dir]
        if options:
            argv += ['--cfg-options'] + [f'{k}={v}' for k, v in
                                         options.items()]
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        return time.perf_counter() - start


def format_table(results, thresholds):
    """Markdown tables of the cell metrics and of the flags, per method."""
    by_method = defaultdict(list)
    for result in results:
        by_method[result['method']].append(result)
    lines = ['| method | runs | cells | ' +
             ' | '.join(h for _, h in CELL_COLUMNS) + ' | ms / cell |',
             '|---' * (len(CELL_COLUMNS) + 4) + '|']
    for method, runs in by_method.items():
        lines.append(
            f'| {method} | {len(runs)} | {int(runs[0]["metrics"]["cells"])} '
            '| ' + ' | '.join(
                mean_std([r['metrics'][key] for r in runs])
                for key, _ in CELL_COLUMNS) +
            f' | {mean_std([r["assignment_ms"] for r in runs])} |')
    lines += ['', '| method | confidence | complete cells | ' +
              ' | '.join(h for _, h in FLAG_COLUMNS) + ' |',
              '|---' * (len(FLAG_COLUMNS) + 3) + '|']
    for method, runs in by_method.items():
        for confidence in thresholds:
            rates = [r['flags'][str(confidence)] for r in runs]
            lines.append(
                f'| {method} | {confidence} | {rates[0]["cells"]} | ' +
                ' | '.join(mean_std([r[key] for r in rates])
                           for key, _ in FLAG_COLUMNS) + ' |')
    return '\n'.join(lines) + '\n'


def main(argv=None):
    args = parse_args(argv)
    results = []
    for run_dir in args.runs:
        config, checkpoint = run_files(run_dir, args.test_set)
        cfg = Config.fromfile(config)
        if args.cfg_options:
            cfg.merge_from_dict(args.cfg_options)
        print(f'{run_dir}: {osp.basename(config)}, '
              f'{osp.basename(checkpoint)}', flush=True)
        start = time.perf_counter()
        scores, labels, cell_ids, paths = predict_test_split(
            cfg, checkpoint, args.batch_size)
        cells = group_by_cell(cell_ids)
        result = dict(
            method=re.sub(r'_seed\d+$', '',
                          osp.basename(osp.normpath(run_dir))),
            run=run_dir,
            predict_s=round(time.perf_counter() - start, 1),
            metrics=KaryotypeMetric.calculate(scores, labels, cell_ids),
            assignment_ms=assignment_ms(scores, cells),
            flags={
                str(c): rates
                for c, rates in flag_rates(scores, labels, cells,
                                           args.confidence,
                                           args.seed).items()
            })
        if not args.no_tool_timing and not results:
            result['tool_s'] = round(
                time_tool(config, checkpoint, args.cfg_options, paths,
                          cell_ids), 1)
        results.append(result)
        print(json.dumps({k: v for k, v in result.items() if k != 'flags'}),
              flush=True)
    table = format_table(results, args.confidence)
    if 'tool_s' in results[0]:
        table += (f'\ntools/karyotype.py on one cell of {results[0]["run"]}: '
                  f'{results[0]["tool_s"]} s wall time (imports, model '
                  'loading, scoring, karyogram and CSVs).\n')
    print(table)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(f'{args.out}.md', 'w') as f:
            f.write(table)
        with open(f'{args.out}.json', 'w') as f:
            json.dump(results, f, indent=1)
    return results


if __name__ == '__main__':
    main()
