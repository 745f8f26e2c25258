"""Steps shared by the dataset converters in ``tools/dataset_converters``.

A converter collects one row per crop (``img_path`` relative to the
dataset's source folder, ``label`` as a type name and, where the layout
gives them, ``cell_id`` / ``patient_id``), and the functions here drop the
files that cannot be decoded, split the rows, write the annotation CSVs and
print a summary.
"""
import argparse
import os
import os.path as osp
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
from sklearn.model_selection import train_test_split

from .annotation import split_by_group, write_annotation_csv
from .categories import CHROMOSOME_CATEGORIES
from .transforms.loading import imread_grayscale

SPLIT_NAMES = ('train', 'val', 'test')

Row = Dict[str, str]
# Reads a dataset's source folder into (rows, problems found).
Collector = Callable[[str], Tuple[List[Row], List[str]]]


def _decode_error(path: str) -> Optional[str]:
    """The reason ``path`` cannot be loaded, or None if it can."""
    try:
        # Same verdict as the default order, 25x faster on small TIFFs.
        imread_grayscale(path, backends=('cv2', 'pillow'))
    except OSError as e:
        return str(e)
    return None


def drop_unreadable(src_dir: str, rows: List[Row],
                    num_workers: int) -> Tuple[List[Row], List[str]]:
    """Decode every image (as training will) and drop those that fail.

    Args:
        src_dir (str): The folder that ``img_path`` is relative to.
        rows (list[dict]): The entries.
        num_workers (int): Decoding processes; 1 decodes in this process.

    Returns:
        tuple[list[dict], list[str]]: The readable entries and one problem
        line per unreadable file.
    """
    paths = [osp.join(src_dir, row['img_path']) for row in rows]
    # Decoding failures are reported below; OpenCV's own log of them (and of
    # headers it tolerates) would only clutter the output.
    log_level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        if num_workers > 1 and len(paths) > 1:
            chunksize = max(1, len(paths) // (num_workers * 8))
            with ProcessPoolExecutor(num_workers) as executor:
                errors = list(
                    executor.map(_decode_error, paths, chunksize=chunksize))
        else:
            errors = [_decode_error(path) for path in paths]
    finally:
        cv2.utils.logging.setLogLevel(log_level)
    readable = [row for row, error in zip(rows, errors) if error is None]
    problems = [f'unreadable, left out: {error}' for error in errors if error]
    return readable, problems


def split_by_group_with_all_types(
        rows: Sequence[Row],
        group_key: str,
        ratios: Sequence[float] = (0.8, 0.1, 0.1),
        seed: int = 0,
        max_tries: int = 100) -> Tuple[List[List[Row]], int]:
    """Split rows so that all crops of a group (cell or patient) share a
    split and every type present occurs in every split.

    Groups holding a Y (male) and the others are split separately with the
    same ratios, so Y crops spread over the splits like the rest. If some
    type is still missing from a split, the next seed is tried.

    Args:
        rows (Sequence[dict]): The entries, with ``label`` and
            ``group_key``.
        group_key (str): The column naming the group, e.g. 'cell_id'.
        ratios (Sequence[float]): Fraction of groups per split.
            Defaults to (0.8, 0.1, 0.1).
        seed (int): The first seed tried. Defaults to 0.
        max_tries (int): How many seeds to try. Defaults to 100.

    Returns:
        tuple[list[list[dict]], int]: The rows of each split and the seed
        that gave them.
    """
    types_of_group = defaultdict(set)
    for row in rows:
        types_of_group[row[group_key]].add(row['label'])
    all_types = set().union(*types_of_group.values())
    groups = sorted(types_of_group)
    male = [group for group in groups if 'Y' in types_of_group[group]]
    female = [group for group in groups if 'Y' not in types_of_group[group]]
    for split_seed in range(seed, seed + max_tries):
        split_of_group = {}
        for stratum in (male, female):
            split_of_group.update(
                zip(stratum, split_by_group(stratum, ratios, split_seed)))
        splits = [[] for _ in ratios]
        for row in rows:
            splits[split_of_group[row[group_key]]].append(row)
        split_types = [set(row['label'] for row in split) for split in splits]
        if all(types == all_types for types in split_types):
            return splits, split_seed
    raise ValueError(
        f'No split by {group_key} with ratios {tuple(ratios)} puts every '
        f'type in every split (seeds {seed}..{seed + max_tries - 1} tried): '
        f'too few {group_key} values ({len(types_of_group)}) for the ratios.')


def stratified_split(rows: Sequence[Row],
                     ratios: Sequence[float] = (0.8, 0.1, 0.1),
                     seed: int = 0) -> List[List[Row]]:
    """Split rows into train/val/test crop by crop, stratified by type.

    Only for sets without cell or patient ids: crops of one cell may then
    land in different splits.

    Args:
        rows (Sequence[dict]): The entries, with ``label``.
        ratios (Sequence[float]): Fraction of crops per split (three).
            Defaults to (0.8, 0.1, 0.1).
        seed (int): Seed of the shuffles. Defaults to 0.

    Returns:
        list[list[dict]]: The rows of each split.
    """
    train_ratio, val_ratio, test_ratio = ratios
    rows = list(rows)
    try:
        train, rest = train_test_split(
            rows,
            test_size=(val_ratio + test_ratio) / sum(ratios),
            stratify=[row['label'] for row in rows],
            random_state=seed)
        val, test = train_test_split(
            rest,
            test_size=test_ratio / (val_ratio + test_ratio),
            stratify=[row['label'] for row in rest],
            random_state=seed)
    except ValueError as e:
        raise ValueError(f'Cannot split {len(rows)} crops with ratios '
                         f'{tuple(ratios)} stratified by type: {e}') from e
    return [train, val, test]


def format_summary(splits: Dict[str, Sequence[Row]],
                   problems: Sequence[str]) -> str:
    """A table of crops per type and split, followed by the problems.

    Args:
        splits (dict[str, Sequence[dict]]): The rows of each split by name.
        problems (Sequence[str]): The problems found.

    Returns:
        str: The summary.
    """

    def table_row(head, values):
        return f'{head:>5}' + ''.join(f'{value:>8}' for value in values)

    counts = {
        name: Counter(row['label'] for row in rows)
        for name, rows in splits.items()
    }
    lines = [table_row('type', splits)]
    lines.extend(
        table_row(label, [counts[name][label] for name in splits])
        for label in CHROMOSOME_CATEGORIES)
    lines.append(table_row('all', [len(rows) for rows in splits.values()]))
    if all(rows and 'cell_id' in rows[0] for rows in splits.values()):
        lines.append(
            table_row('cells', [
                len(set(row['cell_id'] for row in rows))
                for rows in splits.values()
            ]))
    lines.append(f'{len(problems)} problem(s) found' +
                 (':' if problems else '.'))
    lines.extend(f'  - {problem}' for problem in problems)
    return '\n'.join(lines)


def build_parser(description: str) -> argparse.ArgumentParser:
    """The command line shared by the converters.

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
    return parser


def convert(collect: Collector,
            args: argparse.Namespace,
            group_key: Optional[str] = None) -> Dict[str, List[Row]]:
    """Run a converter: collect, drop unreadable files, split, write the
    CSVs (sorted by ``img_path``) and print the summary.

    Args:
        collect (Callable): Reads ``args.src_dir`` into (rows, problems).
        args (argparse.Namespace): Parsed by :func:`build_parser`.
        group_key (str, optional): The column to split by (all crops of a
            group in one split); None splits crop by crop, stratified by
            type. Defaults to None.

    Returns:
        dict[str, list[dict]]: The rows written, by split name.
    """
    if not osp.isdir(args.src_dir):
        raise FileNotFoundError(f'Dataset folder not found: {args.src_dir}')
    if min(args.ratios) <= 0:
        raise ValueError(f'--ratios must be positive, got {args.ratios}')
    start = time.perf_counter()
    rows, problems = collect(args.src_dir)
    rows, unreadable = drop_unreadable(args.src_dir, rows, args.workers)
    problems = problems + unreadable
    if not rows:
        raise ValueError(f'No readable crops found in {args.src_dir}.')

    note = ''
    if args.all:
        splits = {'all': rows}
    elif group_key is None:
        splits = dict(
            zip(SPLIT_NAMES, stratified_split(rows, args.ratios, args.seed)))
        note = f'split crop by crop, stratified by type, seed {args.seed}'
    else:
        split_rows, seed = split_by_group_with_all_types(
            rows, group_key, args.ratios, args.seed)
        splits = dict(zip(SPLIT_NAMES, split_rows))
        note = f'split by {group_key}, seed {seed}'
        if seed != args.seed:
            note += (f' (seeds {args.seed}..{seed - 1} left some type out '
                     'of some split)')

    os.makedirs(args.out_dir, exist_ok=True)
    for name, split in splits.items():
        split.sort(key=lambda row: row['img_path'])
        write_annotation_csv(osp.join(args.out_dir, f'{name}.csv'), split)
    print(format_summary(splits, problems))
    if note:
        print(note + '.')
    print(f'Wrote {", ".join(f"{n}.csv" for n in splits)} to {args.out_dir} '
          f'in {time.perf_counter() - start:.1f} s.')
    return splits
