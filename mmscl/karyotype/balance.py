"""The type balance of a set of whole cells, without knowing the cells.

Every normal cell holds two of each autosome, so the crops of whole cells
hold each autosome equally often, whichever cells they come from. Under a
lab shift a classifier tends to predict some types too often and their
look-alikes too rarely (the crops of an unevenly condensed cell that look
longer than they are, say); that is visible in its summed scores over the
set. :func:`balance_autosomes` gives every autosome the same summed score
by one additive bias per type on the log-scores, found by iterative
proportional fitting (Sinkhorn scaling of the score matrix's columns). X
and Y keep their share, which the sexes of the cells set.

It needs the crops of a set, no cell ids and no labels: a transductive
prior, right for crops of whole cells (karyograms, class folders cut from
whole cells), wrong for a set that holds some types more often by design.
"""
import numpy as np

from mmscl.datasets.categories import CHROMOSOME_CATEGORIES
from .assignment import SEX_COMPLEMENTS

_SEX_TYPES = {name for pair in SEX_COMPLEMENTS.values() for name in pair}
# Label indices of the 22 autosomes.
AUTOSOMES = np.array([
    index for index, name in enumerate(CHROMOSOME_CATEGORIES)
    if name not in _SEX_TYPES
])
# Stop when every autosome's summed score is within this fraction of their
# mean (0.1 %: far below the counting noise of any test set).
BALANCE_TOLERANCE = 1e-3
MAX_BALANCE_ITERATIONS = 1000


def balance_autosomes(scores: np.ndarray,
                      tolerance: float = BALANCE_TOLERANCE,
                      max_iterations: int = MAX_BALANCE_ITERATIONS
                      ) -> np.ndarray:
    """The scores of a set of crops of whole cells, each autosome given
    the same summed score.

    Each autosome's column is scaled by the ratio of the autosomes' mean
    summed score to its own, then every row is normalised again, until the
    summed scores agree within ``tolerance``. The scaling is one factor per
    type for the whole set, so a crop's ranking of two types moves only by
    how the set as a whole leans.

    Args:
        scores (np.ndarray): Softmax scores of the crops, (N, 24), rows
            summing to 1.
        tolerance (float): Largest relative difference of an autosome's
            summed score from their mean at the end. Defaults to
            :data:`BALANCE_TOLERANCE`.
        max_iterations (int): Defaults to :data:`MAX_BALANCE_ITERATIONS`.

    Returns:
        np.ndarray: The balanced scores, (N, 24), rows summing to 1.

    Raises:
        ValueError: If ``scores`` is not (N, 24) with N > 0 and
            non-negative, or an autosome has no score at all (it cannot be
            raised to the others').
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[1] != len(CHROMOSOME_CATEGORIES) \
            or len(scores) == 0:
        raise ValueError(
            'balance_autosomes: scores must be (N, '
            f'{len(CHROMOSOME_CATEGORIES)}) with N > 0, got '
            f'{scores.shape}.')
    if not np.isfinite(scores).all() or (scores < 0).any():
        raise ValueError('balance_autosomes: scores must be finite and '
                         'non-negative (softmax scores).')
    if (scores[:, AUTOSOMES].sum(0) == 0).any():
        raise ValueError('balance_autosomes: an autosome has a score of 0 '
                         'on every crop, so no scaling balances it.')
    balanced = scores / scores.sum(1, keepdims=True)
    for _ in range(max_iterations):
        summed = balanced[:, AUTOSOMES].sum(0)
        gain = summed.mean() / summed
        if np.abs(gain - 1).max() <= tolerance:
            break
        balanced[:, AUTOSOMES] *= gain
        balanced /= balanced.sum(1, keepdims=True)
    return balanced
