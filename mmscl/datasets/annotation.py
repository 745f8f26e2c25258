"""Reading, writing and splitting mmscl's CSV annotation files.

An annotation file is a CSV with a header. ``img_path`` and ``label`` are
required; ``label`` is a type name (``'1'`` .. ``'22'``, ``'X'``, ``'Y'``).
``cell_id`` and ``patient_id`` are optional. CSV (not a space-separated list)
because real file names contain spaces.
"""
import csv
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np

REQUIRED_COLUMNS = ('img_path', 'label')
OPTIONAL_COLUMNS = ('cell_id', 'patient_id')


def read_annotation_csv(path: str) -> List[Dict[str, str]]:
    """Read an annotation CSV into a list of row dicts.

    Args:
        path (str): The CSV file.

    Returns:
        list[dict]: One dict per row with the file's columns as keys.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'Annotation file not found: {path}')
    with open(path, newline='', encoding='utf-8') as f:
        reader = csv.DictReader(f)
        missing = [c for c in REQUIRED_COLUMNS
                   if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(
                f'{path}: the header must name the columns '
                f'{REQUIRED_COLUMNS} (optional {OPTIONAL_COLUMNS}); '
                f'missing {missing}, found {reader.fieldnames}.')
        return list(reader)


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
