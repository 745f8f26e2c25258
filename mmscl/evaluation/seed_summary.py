"""Figures over seeds as the benchmarks report them: mean ± sample std."""
from typing import Sequence

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
