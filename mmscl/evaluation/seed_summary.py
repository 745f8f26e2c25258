"""Figures over seeds as the benchmarks report them: mean ± sample std,
differences paired by seed, and the Markdown tables they go into."""
from typing import Dict, Iterable, List, Sequence

import numpy as np


def mean_std(values: Sequence[float], signed: bool = False) -> str:
    """``'mean ± std'`` of ``values`` (the sample std, over seeds), to two
    decimals; the mean alone for one value.

    Args:
        values (Sequence[float]): One figure per seed.
        signed (bool): Print the sign of the mean, as for a difference.
            Defaults to False.

    Returns:
        str: e.g. ``'82.40 ± 0.08'`` or ``'+0.95 ± 0.51'``.
    """
    values = np.asarray(values, dtype=float)
    text = f'{values.mean():+.2f}' if signed else f'{values.mean():.2f}'
    if len(values) == 1:
        return text
    return f'{text} ± {values.std(ddof=1):.2f}'


def seed_cells(by_seed: Dict[int, Sequence[float]]) -> List[str]:
    """:func:`mean_std` of every column of a method's figures over seeds.

    Args:
        by_seed (dict[int, Sequence[float]]): The figures (one per column)
            of each seed.

    Returns:
        list[str]: One ``'mean ± std'`` per column.
    """
    return [mean_std(column) for column in zip(*by_seed.values())]


def paired_seeds(*seeds: Iterable[int]) -> List[int]:
    """The seeds that every one of the given methods ran, in order.

    Args:
        *seeds (Iterable[int]): The seeds of each method (e.g. the keys of
            its figures by seed).

    Returns:
        list[int]: The seeds common to all, sorted.
    """
    return sorted(set.intersection(*(set(s) for s in seeds)))


def paired_delta_cells(minuend: Dict[int, Sequence[float]],
                       subtrahend: Dict[int, Sequence[float]]) -> List[str]:
    """The difference of two methods' figures, taken seed by seed over the
    seeds both ran (:func:`paired_seeds`), as signed ``'mean ± std'``.

    Args:
        minuend (dict[int, Sequence[float]]): The figures (one per column)
            of each seed of a method, e.g. SCL.
        subtrahend (dict[int, Sequence[float]]): Those of the method it is
            compared with, e.g. the baseline.

    Returns:
        list[str]: One ``'+mean ± std'`` per column; empty without a seed
        in common.
    """
    seeds = paired_seeds(minuend, subtrahend)
    deltas = [np.subtract(minuend[s], subtrahend[s]) for s in seeds]
    return [mean_std(column, signed=True) for column in zip(*deltas)]


def markdown_table(headers: Sequence[str],
                   rows: Sequence[Sequence[str]],
                   num_text_columns: int = 1) -> str:
    """A Markdown table, text columns left-aligned, numbers right.

    Args:
        headers (Sequence[str]): The column headers.
        rows (Sequence[Sequence[str]]): The cells of every row.
        num_text_columns (int): How many columns, from the left, hold
            text. Defaults to 1.

    Returns:
        str: The table, without a final newline.
    """
    lines = ['| ' + ' | '.join(headers) + ' |',
             '|' + '|'.join(':---' if i < num_text_columns else '---:'
                            for i in range(len(headers))) + '|']
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines)
