"""One reader per annotation format of single-chromosome crops.

Each reader returns the same records: dicts with ``img_path`` (joined to
the image folder), ``label`` (a type name, or for a label that names none a
description that :class:`~mmscl.datasets.ChromosomeDataset` reports as
unknown) and, when the format gives them, ``cell_id`` and ``patient_id``;
with them, notes saying what was left out and why. A malformed file raises
an error naming the file and the row or item.

- :func:`read_csv`: mmscl's annotation CSV (see :mod:`.annotation`).
- :func:`read_karyotype_json`: the karyotype JSON of the SCL authors.
- :func:`read_class_folders`: one sub-folder per type, no annotation file.
"""
import difflib
import os
import os.path as osp
from collections import Counter
from typing import List, Tuple

from ..utils import load_json
from .annotation import (OPTIONAL_COLUMNS, REQUIRED_COLUMNS,
                         cell_ids_within_patients, drop_repeated_images,
                         group_ids, iter_annotation_csv, join_image_path)
from .categories import (CHROMOSOME_CATEGORIES, type_name_from_number,
                         type_names_by_number)
from .image_check import is_hidden, readable_extensions

IMG_EXTENSIONS = readable_extensions()

# Folder name -> type name, for each declared folder naming scheme.
FOLDER_NAMINGS = {
    'zero_based': type_names_by_number(first=0),
    'one_based': type_names_by_number(first=1),
    'type_name': {t: t for t in CHROMOSOME_CATEGORIES},
}
# What allows the paths that confine_to_root refuses, said in the error.
_ALLOW_OUTSIDE = 'set confine_to_root=False if you trust this annotation file'

Records = Tuple[List[dict], List[str]]


def _join(path: str, img_prefix: str, where: str, confine: bool) -> str:
    return join_image_path(path, img_prefix, where, confine, _ALLOW_OUTSIDE)


def read_csv(ann_file: str, img_prefix: str,
             confine_to_root: bool = True) -> Records:
    """Read an annotation CSV (header ``img_path,label`` and optional
    ``cell_id``, ``patient_id`` or ``case_id`` columns).

    Args:
        ann_file (str): The CSV file.
        img_prefix (str): The folder that ``img_path`` is relative to.
        confine_to_root (bool): Refuse paths that are absolute or climb out
            of ``img_prefix``. Defaults to True.

    Returns:
        tuple[list[dict], list[str]]: The records, and notes: on cell ids
        told apart by patient (see :func:`cell_ids_within_patients`), and
        on columns that are not read (with the known column a misspelt one
        may mean: an unread ``Cell_ID`` would silently lose the cells'
        references).
    """
    rows = list(iter_annotation_csv(ann_file))
    ids = [group_ids(row) for _, row in rows]
    cells, notes = cell_ids_within_patients(ids)
    records = []
    for (line, row), cell, (_, patient) in zip(rows, cells, ids):
        record = dict(
            img_path=_join(row['img_path'], img_prefix,
                           f'{ann_file}, line {line}', confine_to_root),
            label=row['label'].strip())
        if cell is not None:
            record['cell_id'] = cell
        if patient is not None:
            record['patient_id'] = patient
        records.append(record)
    unread = [c for c in (rows[0][1] if rows else ())
              if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    return records, notes + ([_unread_columns_note(unread)] if unread else [])


def _unread_columns_note(columns: List[str]) -> str:
    """A note naming the columns of a CSV that are not read, and the
    known column each may be a misspelling of."""
    known = {c.lower().replace('-', '_').replace(' ', '_'): c
             for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
    described = []
    for column in columns:
        close = difflib.get_close_matches(
            column.lower().replace('-', '_').replace(' ', '_'), known,
            n=1, cutoff=0.6)
        described.append(f'{column!r}' + (
            f' (did you mean {known[close[0]]!r}?)' if close else ''))
    return (f'column(s) {", ".join(described)} not read: the columns read '
            f'are {REQUIRED_COLUMNS + OPTIONAL_COLUMNS}')


def read_karyotype_json(ann_file: str, img_prefix: str,
                        confine_to_root: bool = True,
                        skip_abnormal: bool = True) -> Records:
    """Read the karyotype JSON of the SCL authors:
    ``{"items": [{"kar_type": "normal", "kar_files": ["k1", ...],
    "k1": [["rel/path.png", label], ...]}, ...]}`` with labels 1..24
    (X = 23, Y = 24), one item per patient, one list per karyotype (cell).

    Args:
        ann_file (str): The JSON file.
        img_prefix (str): The folder that the image paths are relative to.
        confine_to_root (bool): Refuse paths that are absolute or climb out
            of ``img_prefix``. Defaults to True.
        skip_abnormal (bool): Skip items whose ``kar_type`` is not
            ``'normal'`` (counted in a note). Defaults to True.

    Returns:
        tuple[list[dict], list[str]]: The records (``cell_id`` is
        ``'<patient_id>/<karyotype>'``), and a note on the items skipped.
    """
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'Annotation file not found: {ann_file}')
    items = _read_json_items(ann_file)
    listed, skipped = [], Counter()
    for patient_idx, item in enumerate(items):
        where = f'{ann_file}, items[{patient_idx}]'
        if not isinstance(item, dict):
            raise ValueError(f'{where}: expected an object with '
                             f'"kar_files", got {item!r:.80}.')
        if skip_abnormal and item.get('kar_type') != 'normal':
            skipped[repr(item['kar_type']) if 'kar_type' in item else
                    'no kar_type'] += 1
            continue
        patient_id = str(item.get('patient_id', patient_idx))
        kar_files = item.get('kar_files')
        if not (isinstance(kar_files, list)
                and all(isinstance(kar, str) for kar in kar_files)):
            raise ValueError(f'{where}: "kar_files" must be a list of '
                             f'names, got {kar_files!r:.80}.')
        for kar in kar_files:
            crops = item.get(kar)
            if not isinstance(crops, list):
                raise ValueError(
                    f'{where}: "kar_files" names {kar!r} but the item '
                    f'has no list {kar!r}, got {crops!r:.80}.')
            for crop_idx, crop in enumerate(crops):
                if not (isinstance(crop, list) and len(crop) == 2
                        and isinstance(crop[0], str)):
                    raise ValueError(
                        f'{where}[{kar!r}][{crop_idx}]: expected '
                        f'["image path", label 1..24], got '
                        f'{crop!r:.80}.')
                path, label = crop
                crop_where = f'items[{patient_idx}][{kar!r}][{crop_idx}]'
                listed.append((crop_where, dict(
                    img_path=_join(path, img_prefix,
                                   f'{ann_file}, {crop_where}',
                                   confine_to_root),
                    label=_json_type_name(label),
                    cell_id=f'{patient_id}/{kar}',
                    patient_id=patient_id)))
    notes = []
    if skipped:
        notes.append(
            f'skipped {sum(skipped.values())} of {len(items)} items '
            'whose kar_type is not exactly "normal" (' + ', '.join(
                f'{n} x {reason}' for reason, n in skipped.items()) +
            '; skip_abnormal=False reads them)')
    records = [
        listed[index][1] for index in drop_repeated_images(listed, ann_file)
    ]
    return records, notes


def _read_json_items(ann_file: str) -> list:
    """The ``items`` list of the karyotype JSON."""
    content = load_json(ann_file,
                        'Expected {"items": [...]}, see ChromosomeDataset.')
    if not (isinstance(content, dict)
            and isinstance(content.get('items'), list)):
        found = (sorted(content) if isinstance(content, dict) else
                 type(content).__name__)
        raise ValueError(
            f'{ann_file}: expected an object with a list "items" '
            f'(the karyotype JSON, see ChromosomeDataset), found {found}.')
    return content['items']


def _json_type_name(label) -> str:
    """The type name of a JSON label (1..24, X = 23, Y = 24), or a
    description of a label that is none, reported as unknown."""
    if (isinstance(label, int) and not isinstance(label, bool)
            or isinstance(label, str) and label.isdigit()):
        try:
            return type_name_from_number(int(label))
        except ValueError:
            pass
    return f'{label!r} (JSON label, expected 1..24)'


def read_class_folders(root: str, folder_naming: str) -> Records:
    """Read one sub-folder of ``root`` per type, named as
    ``folder_naming`` declares: ``'zero_based'`` ('0'..'23', ChrmNet),
    ``'one_based'`` ('1'..'24') or ``'type_name'`` ('1'..'22', 'X', 'Y').

    Folder names are never sorted as strings. The images of a class folder
    and of the folders inside it are read; files of formats not read as
    images are left out (counted in a note), hidden files and folders
    (``.DS_Store``, ``._name.png``, ``.ipynb_checkpoints/``) and files
    beside the class folders are not read. A folder that the naming does
    not name gives records with an unknown label.

    Args:
        root (str): The image folder.
        folder_naming (str): A key of :data:`FOLDER_NAMINGS`.

    Returns:
        tuple[list[dict], list[str]]: The records, and a note on the files
        left out.
    """
    if not osp.isdir(root):
        raise FileNotFoundError(
            f'ChromosomeDataset: image folder not found: {root}')
    naming = FOLDER_NAMINGS[folder_naming]
    records, not_read = [], Counter()
    for folder in sorted(os.listdir(root)):
        folder_path = osp.join(root, folder)
        if is_hidden(folder) or not osp.isdir(folder_path):
            continue
        label = naming.get(folder,
                           f'{folder} (folder, naming {folder_naming!r})')
        for dirpath, dirnames, files in os.walk(folder_path):
            dirnames[:] = [d for d in dirnames if not is_hidden(d)]
            for name in sorted(files):
                if is_hidden(name):
                    continue
                if name.lower().endswith(IMG_EXTENSIONS):
                    records.append(
                        dict(img_path=osp.join(dirpath, name), label=label))
                else:
                    not_read[folder, osp.splitext(name)[1] or
                             '(no extension)'] += 1
    notes = []
    if not_read:
        notes.append(
            f'left out {sum(not_read.values())} file(s) of formats '
            'not read as images (' + ', '.join(
                f'{n} x {ext!r} in {folder}/'
                for (folder, ext), n in sorted(not_read.items())) +
            '; readable: the formats Pillow decodes)')
    return records, notes
