"""Generate mmscl's synthetic G-band chromosome dataset.

Example:
    python tools/dataset_converters/make_synthetic.py \
        --out data/synthetic_internal --cells 500 --seed 0 --workers 2
"""
import argparse

from mmscl.datasets.synthetic import (SYNTHETIC_DOMAINS,
                                      generate_synthetic_dataset)


def build_parser():
    parser = argparse.ArgumentParser(
        description='Generate a synthetic G-band chromosome dataset: PNG '
        'crops, train/val/test CSV and JSON splits (by cell), a contact '
        'sheet and meta.json.')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument(
        '--cells',
        type=int,
        required=True,
        help='number of metaphase cells (46 crops each)')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--domain',
        default='internal',
        choices=sorted(SYNTHETIC_DOMAINS),
        help='imaging domain')
    parser.add_argument(
        '--workers', type=int, default=1, help='rendering processes')
    parser.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace the annotation files already in --out (without it, '
        'existing ones stop the generator before it starts)')
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        paths = generate_synthetic_dataset(
            args.out,
            args.cells,
            seed=args.seed,
            domain=args.domain,
            workers=args.workers,
            progress=not args.no_progress,
            overwrite=args.overwrite)
    except (FileExistsError, ValueError) as e:
        parser.error(str(e))
    for name, path in paths.items():
        print(f'{name}: {path}')


if __name__ == '__main__':
    main()
