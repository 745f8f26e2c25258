"""Reading, writing and splitting mmscl's CSV annotation files.

An annotation file is a CSV with a header. ``img_path`` and ``label`` are
required; ``label`` is a type name (``'1'`` .. ``'22'``, ``'X'``, ``'Y'``).
``cell_id`` and ``patient_id`` are optional. CSV (not a space-separated list)
because real file names contain spaces. The file is UTF-8, with or without
the byte-order mark that spreadsheet programs write. Every value but
``img_path`` is read without surrounding spaces (``'cell0 '`` is ``cell0``).
An image listed twice is read once (with a warning); listed twice with
different values (two labels, two cells) it is an error.

A dataset's annotation files are named after its splits
(:data:`SPLIT_NAMES`) or, for a set used whole (e.g. an external test
set), :data:`WHOLE_SET_NAME`.
"""
import csv
import io
import os
import os.path as osp
from collections import defaultdict
from typing import (Callable, Dict, Iterator, List, Optional, Sequence,
                    Tuple)

import numpy as np
from mmengine.logging import MMLogger

REQUIRED_COLUMNS = ('img_path', 'label')
OPTIONAL_COLUMNS = ('cell_id', 'patient_id', 'case_id')
SPLIT_NAMES = ('train', 'val', 'test')
WHOLE_SET_NAME = 'all'
ANNOTATION_NAMES = SPLIT_NAMES + (WHOLE_SET_NAME, )


def iter_annotation_csv(
        path: str,
        required: Sequence[str] = REQUIRED_COLUMNS
) -> Iterator[Tuple[int, Dict[str, str]]]:
    """Read an annotation CSV row by row, checking each row's shape, with
    the values but ``img_path`` stripped and repeated images dropped (see
    :func:`drop_repeated_images`).

    Args:
        path (str): The CSV file.
        required (Sequence[str]): The columns that must be there and not
            empty. Defaults to :data:`REQUIRED_COLUMNS`.

    Yields:
        tuple[int, dict]: The line number (1 is the header) and the row,
        with the file's columns as keys.
    """
    rows = list(_iter_csv_rows(path, tuple(required)))
    keep = drop_repeated_images(
        [(f'line {line}', row) for line, row in rows], path)
    for index in keep:
        yield rows[index]


def _iter_csv_rows(path: str, required: Tuple[str, ...]
                   ) -> Iterator[Tuple[int, Dict[str, str]]]:
    if not osp.isfile(path):
        raise FileNotFoundError(f'Annotation file not found: {path}')
    with open(path, 'rb') as f:
        content = f.read()
    try:
        text = content.decode('utf-8-sig')
    except UnicodeDecodeError as e:
        line = content[:e.start].count(b'\n') + 1
        raise ValueError(
            f'{path}, line {line}: not UTF-8 text (byte '
            f'0x{content[e.start]:02x} at offset {e.start}). Save the file '
            'as "CSV UTF-8".') from None
    reader = csv.DictReader(io.StringIO(text, newline=''))
    try:
        columns = reader.fieldnames or []
        missing = [c for c in required if c not in columns]
        if missing:
            optional = [c for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS
                        if c not in required]
            raise ValueError(
                f'{path}, line 1: the header must name the columns '
                f'{required} (optional {tuple(optional)}); '
                f'missing {missing}, found {reader.fieldnames}.')
        for row in reader:
            where = f'{path}, line {reader.line_num}'
            if None in row or None in row.values():
                num_fields = len(columns) + len(row.get(None, ())) - list(
                    row.values()).count(None)
                raise ValueError(
                    f'{where}: {num_fields} fields, expected '
                    f'{len(columns)} ({", ".join(columns)}). Quote values '
                    'that hold commas.')
            row = {
                column: value if column == 'img_path' else value.strip()
                for column, value in row.items()
            }
            empty = [c for c in required if not row[c].strip()]
            if empty:
                raise ValueError(f'{where}: empty {" and ".join(empty)}.')
            yield reader.line_num, row
    except csv.Error as e:
        raise ValueError(
            f'{path}, line {reader.line_num}: not a valid CSV row ({e}).'
        ) from None


def drop_repeated_images(listed: Sequence[Tuple[str, Dict[str, str]]],
                         source: str) -> List[int]:
    """Find the images an annotation lists more than once.

    An image listed again with the same values is dropped, with a warning
    counting them; listed again with other values (another label or cell)
    it is an error naming both entries.

    Args:
        listed (Sequence[tuple[str, dict]]): Where each entry is (e.g.
            'line 3') and the entry, with ``img_path`` and its other values.
        source (str): The annotation file, for the messages.

    Returns:
        list[int]: The indices of the entries to keep, in order.
    """
    first: Dict[str, int] = {}
    keep, repeats = [], []
    for index, (where, entry) in enumerate(listed):
        key = osp.normpath(entry['img_path'])
        if key not in first:
            first[key] = index
            keep.append(index)
            continue
        first_where, first_entry = listed[first[key]]
        differ = [
            column for column in sorted(set(entry) | set(first_entry))
            if column != 'img_path'
            and entry.get(column) != first_entry.get(column)
        ]
        if differ:
            raise ValueError(
                f'{source}, {where}: img_path {entry["img_path"]!r} is '
                f'listed at {first_where} too, with another ' +
                ' and '.join(f'{c} ({first_entry.get(c)!r} there, '
                             f'{entry.get(c)!r} here)' for c in differ) +
                ': one image is one crop of one type. Remove one of them.')
        repeats.append(f'{entry["img_path"]!r} ({first_where}, {where})')
    if repeats:
        MMLogger.get_current_instance().warning(
            f'{source}: {len(repeats)} entries repeat an image listed before '
            f'with the same values, each read once: e.g. '
            f'{", ".join(repeats[:3])}.')
    return keep


def join_image_path(path: str, root: str, where: str,
                    confine: bool = True, how_to_allow: str = '') -> str:
    """The path of an image an annotation lists, joined to its folder.

    Args:
        path (str): The path as listed.
        root (str): The image folder it is relative to.
        where (str): The entry, for the error (e.g. 'ann.csv, line 3').
        confine (bool): Refuse a path that is absolute or climbs out of
            ``root`` with ``..``. Defaults to True.
        how_to_allow (str): What allows such paths, said in the error.
            Defaults to ''.

    Returns:
        str: ``path`` joined to ``root`` (or as it is, if absolute).
    """
    if confine and (osp.isabs(path)
                    or osp.normpath(path).split(os.sep)[0] == os.pardir):
        raise ValueError(
            f'{where}: img_path {path!r} is outside the image folder '
            f'{root!r} (absolute, or climbing out with ".."). Give paths '
            'relative to it' + (f', or {how_to_allow}' if how_to_allow
                                else '') + '.')
    return path if osp.isabs(path) else osp.join(root, path)


def group_ids(row: Dict[str, str]) -> Tuple[Optional[str], Optional[str]]:
    """The cell id and the patient id of an annotation row (a case id
    groups the cells of one person as a patient id does), None where
    absent or empty."""
    patient = row.get('patient_id') or row.get('case_id') or None
    return row.get('cell_id') or None, patient


def cell_ids_within_patients(
        ids: Sequence[Tuple[Optional[str], Optional[str]]]
) -> Tuple[List[Optional[str]], List[str]]:
    """The cell ids of an annotation, told apart by patient where it
    numbers the cells of each patient anew.

    A lab may number each patient's cells from 1, so that one ``cell_id``
    names cells of several patients; read as one cell, their crops would
    share a reference length, a karyogram and a split. When any cell id
    comes with more than one patient id, every cell id with a patient id
    becomes ``'<patient_id>/<cell_id>'`` (as
    :func:`~mmscl.datasets.readers.read_karyotype_json` names cells).

    Args:
        ids (Sequence[tuple]): The (cell id, patient id) of each row, from
            :func:`group_ids`.

    Returns:
        tuple[list, list[str]]: The cell id of each row, and a note when
        they were told apart by patient.
    """
    patients_of = defaultdict(set)
    for cell, patient in ids:
        if cell is not None and patient is not None:
            patients_of[cell].add(patient)
    shared = sorted(cell for cell, patients in patients_of.items()
                    if len(patients) > 1)
    if not shared:
        return [cell for cell, _ in ids], []
    note = (f'{len(shared)} cell_id(s) name cells of several patients '
            f'(e.g. {shared[0]!r} in {sorted(patients_of[shared[0]])[:3]}): '
            'each cell is told apart by its patient, as '
            "'<patient_id>/<cell_id>'")
    return [
        f'{patient}/{cell}' if cell is not None and patient is not None
        else cell for cell, patient in ids
    ], [note]


def patient_and_cell(info: dict) -> Tuple[Optional[str], str]:
    """The patient id and the cell id as its annotation numbers it, of a
    data info with a ``cell_id`` (undoing the ``'<patient_id>/'`` that
    :func:`cell_ids_within_patients` may have put before it), so that
    cells of two files compare whether either file was told apart by
    patient or not."""
    patient, cell = info.get('patient_id'), info['cell_id']
    if patient is not None and cell.startswith(f'{patient}/'):
        cell = cell[len(patient) + 1:]
    return patient, cell


def read_annotation_csv(path: str) -> List[Dict[str, str]]:
    """Read an annotation CSV into a list of row dicts.

    Args:
        path (str): The CSV file.

    Returns:
        list[dict]: One dict per row with the file's columns as keys.
    """
    return [row for _, row in iter_annotation_csv(path)]


def check_annotation_files_absent(out_dir: str,
                                  extensions: Sequence[str] = ('.csv', ),
                                  overwrite: bool = False) -> None:
    """Refuse to go on when ``out_dir`` already holds annotation files
    (``train.csv`` ... ``all.csv``), unless ``overwrite``.

    Args:
        out_dir (str): The output folder.
        extensions (Sequence[str]): The annotation files' extensions.
            Defaults to ('.csv', ).
        overwrite (bool): Allow replacing them. Defaults to False.
    """
    found = [
        name + ext for name in ANNOTATION_NAMES for ext in extensions
        if osp.exists(osp.join(out_dir, name + ext))
    ]
    if found and not overwrite:
        raise FileExistsError(
            f'{out_dir} already holds {", ".join(found)}: nothing was '
            'written. Move them away, or pass --overwrite (overwrite=True) '
            'to replace them.')


def replace_annotation_files(out_dir: str,
                             writers: Dict[str, Callable[[str], None]],
                             extensions: Sequence[str] = ('.csv', )) -> None:
    """Write a new set of annotation files, then remove the old ones of the
    set that were not rewritten (e.g. ``train.csv`` when ``all.csv`` is
    written), so that old and new files are never left side by side.

    Every file is first written under a temporary name, then all are moved
    into place, so that a failure while writing leaves the old set whole.

    Args:
        out_dir (str): The output folder.
        writers (dict[str, Callable]): For each file name (e.g.
            'train.csv'), a function writing that file to the path given.
        extensions (Sequence[str]): Extensions of the annotation files of
            the set. Defaults to ('.csv', ).
    """
    partial = {name: osp.join(out_dir, f'.{name}.partial') for name in writers}
    try:
        for name, write in writers.items():
            write(partial[name])
    except BaseException:
        for path in partial.values():
            if osp.exists(path):
                os.remove(path)
        raise
    for name, path in partial.items():
        os.replace(path, osp.join(out_dir, name))
    for name in ANNOTATION_NAMES:
        for ext in extensions:
            path = osp.join(out_dir, name + ext)
            if name + ext not in writers and osp.exists(path):
                os.remove(path)


def write_annotation_csv(path: str, rows: Sequence[Dict[str, str]]) -> None:
    """Write rows (dicts with ``img_path``, ``label`` and optionally
    ``cell_id`` / ``patient_id``) to an annotation CSV.

    Args:
        path (str): The CSV file to write.
        rows (Sequence[dict]): The entries.
    """
    columns = list(REQUIRED_COLUMNS) + [
        c for c in OPTIONAL_COLUMNS if any(c in row for row in rows)
    ]
    with open(path, 'w', newline='', encoding='utf-8') as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction='ignore')
        writer.writeheader()
        writer.writerows(rows)


def split_by_group(groups: Sequence[str],
                   ratios: Sequence[float] = (0.8, 0.1, 0.1),
                   seed: int = 0) -> List[int]:
    """Assign each entry to a split so that all entries of a group (a cell
    or a patient) land in the same split.

    Groups are shuffled with ``seed`` and cut by the cumulative ``ratios``
    of the number of groups.

    Args:
        groups (Sequence[str]): The group id of each entry.
        ratios (Sequence[float]): Fraction of groups per split.
            Defaults to (0.8, 0.1, 0.1).
        seed (int): Seed of the shuffle. Defaults to 0.

    Returns:
        list[int]: The split index of each entry.
    """
    unique = sorted(set(groups))
    order = np.random.default_rng(seed).permutation(len(unique))
    bounds = np.cumsum(np.asarray(ratios, dtype=float) / sum(ratios))
    split_of_group = {}
    for rank, idx in enumerate(order):
        split = int(np.searchsorted(bounds, (rank + 0.5) / len(unique)))
        split_of_group[unique[idx]] = min(split, len(ratios) - 1)
    return [split_of_group[g] for g in groups]
