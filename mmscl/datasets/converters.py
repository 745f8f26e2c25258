"""Steps shared by the dataset converters in ``tools/dataset_converters``.

A converter collects one row per crop (``img_path`` relative to the
dataset's source folder, ``label`` as a type name and, where the layout
gives them, ``cell_id`` / ``patient_id``), and :func:`convert` drops the
files that cannot be decoded, splits the rows and writes the annotation
CSVs; :func:`format_summary` describes the result and
:func:`run_converter` is a converter's command line.
"""
import argparse
import os
import os.path as osp
import time
from collections import Counter, defaultdict
from typing import (Callable, Dict, Iterator, List, NamedTuple, Optional,
                    Sequence, Tuple)

from sklearn.model_selection import train_test_split

from .annotation import (SPLIT_NAMES, WHOLE_SET_NAME,
                         check_annotation_files_absent,
                         replace_annotation_files, split_by_group,
                         write_annotation_csv)
from .categories import CHROMOSOME_CATEGORIES, type_name_from_number
from .image_check import find_unreadable_images, list_visible
from .transforms.loading import LoadChromosomeImage

Row = Dict[str, str]
# Reads a dataset's source folder into (rows, problems found).
Collector = Callable[[str], Tuple[List[Row], List[str]]]
# Same verdict as the default order, faster on small TIFFs.
_CONVERTER_LOADER = LoadChromosomeImage(imdecode_backends=('cv2', 'pillow'))


class Conversion(NamedTuple):
    """What :func:`convert` wrote and found."""
    splits: Dict[str, List[Row]]  # the rows written, by annotation name
    problems: List[str]  # one line per problem, unreadable files included
    num_unreadable: int  # files left out because they cannot be decoded
    note: str  # how the rows were split ('' for the whole set)


def layout_root(src_dir: str, layout: str) -> str:
    """The top folder of a published layout, checked to be there.

    Args:
        src_dir (str): The dataset's source folder.
        layout (str): The layout under it, e.g.
            'single_chromosomes/<cell>/<cell> <k><a|b>.bmp'; its first
            folder is the top folder.

    Returns:
        str: ``src_dir`` joined with the layout's first folder.
    """
    root = osp.join(src_dir, layout.split('/', 1)[0])
    if not osp.isdir(root):
        raise FileNotFoundError(
            f'{root} not found: SRC_DIR must hold {layout}')
    return root


def layout_folders(parent: str, src_dir: str, problems: List[str],
                   what: str,
                   name_fits: Optional[Callable[[str], object]] = None
                   ) -> Iterator[Tuple[str, str]]:
    """The visible folders of a layout level whose names fit it; every
    other entry of ``parent`` is noted as a problem, as it is reached.

    Args:
        parent (str): The folder to list.
        src_dir (str): The dataset's source folder, which the problems
            name entries relative to.
        problems (list[str]): The problems found, appended to.
        what (str): What the folders are, e.g. 'cell' or '<cellID>.tiff'.
        name_fits (callable, optional): Whether a folder name fits the
            level; None: every name does.

    Yields:
        tuple[str, str]: The name and path of each fitting folder.
    """
    for name in list_visible(parent):
        path = osp.join(parent, name)
        if osp.isdir(path) and (name_fits is None or name_fits(name)):
            yield name, path
        else:
            problems.append(f'not a {what} folder, left out: '
                            f'{osp.relpath(path, src_dir)}')


def add_crop_row(rows: List[Row], problems: List[str], img_path: str,
                 number: int, context: str = '', **ids: str) -> None:
    """Add the row of a crop whose type number its file's name or folder
    gives, or, where the number names no type, note the file as left out.

    Args:
        rows (list[dict]): The rows, appended to.
        problems (list[str]): The problems found, appended to.
        img_path (str): The crop, relative to the source folder.
        number (int): Its type number (1..22, 23 = X, 24 = Y).
        context (str): What its problem begins with, e.g. 'clase25: '.
        **ids (str): The row's ids, e.g. ``cell_id``, ``patient_id``.
    """
    try:
        label = type_name_from_number(number)
    except ValueError as e:
        problems.append(f'{context}{e} Left out: {img_path}')
        return
    rows.append(dict(img_path=img_path, label=label, **ids))


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
    unreadable = dict(
        find_unreadable_images(paths, _CONVERTER_LOADER.load, num_workers))
    readable = [row for i, row in enumerate(rows) if i not in unreadable]
    problems = [
        f'unreadable, left out: {error}' for error in unreadable.values()
    ]
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


def convert(collect: Collector,
            src_dir: str,
            out_dir: str,
            whole_set: bool = False,
            ratios: Sequence[float] = (0.8, 0.1, 0.1),
            seed: int = 0,
            workers: int = 1,
            group_key: Optional[str] = None,
            overwrite: bool = False) -> Conversion:
    """Run a converter: collect, drop unreadable files, split and write the
    CSVs (sorted by ``img_path``).

    Existing annotation CSVs in ``out_dir`` are an error, found before any
    work, unless ``overwrite``; then the new set replaces the whole old
    one (an ``all.csv`` removes old ``train.csv`` .. ``test.csv`` and the
    other way round).

    Args:
        collect (Callable): Reads ``src_dir`` into (rows, problems).
        src_dir (str): The dataset folder; ``img_path`` is relative to it.
        out_dir (str): Where the CSVs are written.
        whole_set (bool): Write every readable crop to one ``all.csv``
            instead of splits. Defaults to False.
        ratios (Sequence[float]): Split fractions (train, val, test).
            Defaults to (0.8, 0.1, 0.1).
        seed (int): Split seed. Defaults to 0.
        workers (int): Processes decoding the images. Defaults to 1.
        group_key (str, optional): The column to split by (all crops of a
            group in one split); None splits crop by crop, stratified by
            type. Defaults to None.
        overwrite (bool): Replace existing annotation CSVs. Defaults to
            False.

    Returns:
        Conversion: The rows written and the problems found.
    """
    if not osp.isdir(src_dir):
        raise FileNotFoundError(f'Dataset folder not found: {src_dir}')
    if len(ratios) != len(SPLIT_NAMES) or min(ratios) <= 0:
        raise ValueError(f'ratios (--ratios) must be three positive '
                         f'fractions, got {tuple(ratios)}')
    check_annotation_files_absent(out_dir, overwrite=overwrite)
    rows, problems = collect(src_dir)
    rows, unreadable = drop_unreadable(src_dir, rows, workers)
    problems = problems + unreadable
    if not rows:
        raise ValueError(f'No readable crops found in {src_dir}.')

    note = ''
    if whole_set:
        splits = {WHOLE_SET_NAME: rows}
    elif group_key is None:
        splits = dict(zip(SPLIT_NAMES, stratified_split(rows, ratios, seed)))
        note = f'split crop by crop, stratified by type, seed {seed}'
    else:
        split_rows, found_seed = split_by_group_with_all_types(
            rows, group_key, ratios, seed)
        splits = dict(zip(SPLIT_NAMES, split_rows))
        note = f'split by {group_key}, seed {found_seed}'
        if found_seed != seed:
            note += (f' (seeds {seed}..{found_seed - 1} left some type out '
                     'of some split)')

    for split in splits.values():
        split.sort(key=lambda row: row['img_path'])
    os.makedirs(out_dir, exist_ok=True)
    replace_annotation_files(
        out_dir, {
            f'{name}.csv':
            lambda path, split=split: write_annotation_csv(path, split)
            for name, split in splits.items()
        })
    return Conversion(splits, problems, len(unreadable), note)


def converter_argument_parser(description):
    """The command line of the dataset converters.

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


def run_converter(collect, description, argv=None, group_key=None):
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
    parser = converter_argument_parser(description)
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
