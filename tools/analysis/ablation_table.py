"""Collect the test metrics of finished runs into the SCL paper's tables:
Table 1 (each model without and with SCL, with deltas) and, given
comparison models, Table 2 (the best SCL model against them).

Each run is a training work dir holding one test folder per split, as
``tools/quickstart.sh`` writes them (``test_internal/`` and
``test_external/``, each from ``tools/test.py --work-dir``).

Example:
    python tools/analysis/ablation_table.py --run ResNet-18 \
        work_dirs/quickstart_baseline work_dirs/quickstart_scl \
        --out work_dirs/ablation.md
"""
import argparse
import os
import os.path as osp
from dataclasses import replace

from mmscl.analysis.tables import ablation_table, comparison_table, read_run


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Markdown tables of the test metrics of finished runs')
    parser.add_argument(
        '--run', nargs=3, action='append', required=True,
        metavar=('NAME', 'BASELINE_DIR', 'SCL_DIR'),
        help='a model and the work dirs of its runs without and with SCL '
        '(repeat for every model)')
    parser.add_argument(
        '--compare', nargs=2, action='append', default=[],
        metavar=('NAME', 'WORK_DIR'),
        help='a comparison model for Table 2 (repeat for every model)')
    parser.add_argument(
        '--splits', nargs='+', default=['test_internal', 'test_external'],
        help='test folders (or metrics .json files) inside each work dir')
    parser.add_argument(
        '--split-names', nargs='+',
        help='column group names of the splits (e.g. OGH-Fudan ChrmNet); '
        'default: Internal, External for the default splits, else the '
        'folder names')
    parser.add_argument('--out', help='also write the tables to this .md')
    args = parser.parse_args(argv)
    if args.split_names is None:
        args.split_names = (['Internal', 'External'] if args.splits
                            == ['test_internal', 'test_external'] else
                            [osp.splitext(s)[0] for s in args.splits])
    if len(args.split_names) != len(args.splits):
        parser.error(f'--split-names needs one name per split '
                     f'({args.splits}), got {args.split_names}')
    return args


def main(argv=None):
    args = parse_args(argv)
    pairs = [(read_run(name, baseline_dir, args.splits, expect_scl=False),
              read_run(name, scl_dir, args.splits, expect_scl=True))
             for name, baseline_dir, scl_dir in args.run]
    for pair in pairs:
        for run, kind in zip(pair, ('without', 'with')):
            print(f'{run.name} {kind} SCL: ' + ', '.join(run.files))
    text = ('Table 1. Test metrics without and with SCL (change from '
            'without SCL in brackets; best in bold).\n\n' +
            ablation_table(pairs, args.split_names) + '\n')
    if args.compare:
        best_scl = max((scl for _, scl in pairs),
                       key=lambda run: run.metrics[0]['accuracy'])
        best_scl = replace(best_scl, name=f'{best_scl.name} + SCL')
        others = [read_run(name, work_dir, args.splits)
                  for name, work_dir in args.compare]
        text += (f'\nTable 2. {best_scl.name} (the best of Table 1 '
                 f'by {args.split_names[0]} accuracy) against comparison '
                 'models (best in bold).\n\n' +
                 comparison_table([best_scl] + others, args.split_names) +
                 '\n')
    print('\n' + text)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            f.write(text)
        print(f'Wrote {args.out}')


if __name__ == '__main__':
    main()
