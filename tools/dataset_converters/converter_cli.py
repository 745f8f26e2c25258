"""The command line shared by the converters in this folder.

Not a converter itself: ``chrmnet.py``, ``gband612.py`` and
``qband119.py`` import it (Python puts a script's folder on ``sys.path``).
"""
import argparse
import os
import time

from mmscl.datasets.converters import convert, format_summary


def build_parser(description):
    """The converters' arguments.

    Args:
        description (str): What the converter reads.

    Returns:
        argparse.ArgumentParser: The parser.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        'src_dir',
        help='the dataset folder; img_path in the CSVs is relative to it, '
        'so a config sets data_root to it')
    parser.add_argument('out_dir', help='where the CSV files are written')
    parser.add_argument(
        '--all',
        action='store_true',
        help='write every readable crop to one all.csv (e.g. an external '
        'test set) instead of train/val/test splits')
    parser.add_argument(
        '--ratios',
        type=float,
        nargs=3,
        default=(0.8, 0.1, 0.1),
        metavar=('TRAIN', 'VAL', 'TEST'),
        help='split fractions (default: 0.8 0.1 0.1)')
    parser.add_argument(
        '--seed', type=int, default=0, help='split seed (default: 0)')
    parser.add_argument(
        '--workers',
        type=int,
        default=os.cpu_count(),
        help='processes decoding the images (default: all CPUs)')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace the annotation CSVs already in OUT_DIR (without it, '
        'existing ones stop the converter before it starts)')
    return parser


def run(collect, description, argv=None, group_key=None):
    """Parse the command line, convert and print the summary; a bad
    source or output folder or bad arguments end the program with one
    error line (exit status 2).

    Args:
        collect (Callable): Reads the source folder into (rows, problems).
        description (str): What the converter reads.
        argv (list[str], optional): The arguments; None reads sys.argv.
        group_key (str, optional): The column to split by, or None to split
            crop by crop. Defaults to None.

    Returns:
        dict[str, list[dict]]: The rows written, by annotation name.
    """
    parser = build_parser(description)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        result = convert(
            collect,
            args.src_dir,
            args.out_dir,
            whole_set=args.all,
            ratios=args.ratios,
            seed=args.seed,
            workers=args.workers,
            group_key=group_key,
            overwrite=args.overwrite)
    except (FileExistsError, FileNotFoundError, ValueError) as e:
        parser.error(str(e))
    print(format_summary(result.splits, result.problems))
    if result.note:
        print(result.note + '.')
    print(f'{result.num_unreadable} unreadable file(s) left out.')
    print(f'Wrote {", ".join(f"{n}.csv" for n in result.splits)} to '
          f'{args.out_dir} in {time.perf_counter() - start:.1f} s.')
    return result.splits
