"""What the analysis tools read from confusion matrices (made by
:func:`mmscl.evaluation.confusion_counts`)."""
from typing import List, Tuple

import numpy as np


def row_normalise(counts: np.ndarray) -> np.ndarray:
    """Each row divided by its sum (the fraction of a true type predicted
    as each type, in percent); rows of absent types stay 0."""
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(
        counts * 100.,
        totals,
        out=np.zeros(counts.shape, dtype=np.float64),
        where=totals > 0)


def top_confused_pairs(counts: np.ndarray,
                       top_k: int) -> List[Tuple[int, int, int]]:
    """The most frequent errors, largest first.

    Args:
        counts (np.ndarray): A count confusion matrix.
        top_k (int): How many (true, predicted) pairs to return at most.

    Returns:
        list[tuple[int, int, int]]: ``(true index, predicted index, count)``
        of the off-diagonal cells with a count above 0; ties in label order.
    """
    errors = counts.copy()
    np.fill_diagonal(errors, 0)
    order = np.argsort(-errors, axis=None, kind='stable')[:top_k]
    pairs = []
    for flat in order:
        true, pred = np.unravel_index(flat, errors.shape)
        if errors[true, pred] == 0:
            break
        pairs.append((int(true), int(pred), int(errors[true, pred])))
    return pairs

