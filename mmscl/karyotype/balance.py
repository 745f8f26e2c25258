"""The type balance of a set of whole cells, without knowing the cells.

Every normal cell holds two of each autosome, so the crops of whole cells
hold each autosome equally often, whichever cells they come from. Under a
lab shift a classifier tends to predict some types too often and their
look-alikes too rarely, which shows in its summed scores over the set. :func:`balance_autosomes` gives every autosome the same summed score
by one factor per type (an additive bias on the log-scores), found by
iterative proportional fitting (Sinkhorn scaling of the score matrix's
columns). X and Y keep their summed scores: the sexes of the cells set
their share.

It needs the crops of a set, no cell ids and no labels: a transductive
prior, right for crops of whole cells (karyograms, class folders cut from
whole cells), wrong for a set that holds some types more often by design.
"""
import logging

import numpy as np
from mmengine.logging import print_log

from mmscl.datasets.categories import CHROMOSOME_CATEGORIES
from .assignment import SEX_COMPLEMENTS

_SEX_TYPES = {name for pair in SEX_COMPLEMENTS.values() for name in pair}
# Label indices of the 22 autosomes.
AUTOSOMES = np.array([
    index for index, name in enumerate(CHROMOSOME_CATEGORIES)
    if name not in _SEX_TYPES
])
# Stop when every type's summed score is within this fraction of its
# target (0.1 %: far below the counting noise of any test set).
BALANCE_TOLERANCE = 1e-3
MAX_BALANCE_ITERATIONS = 1000


def balance_autosomes(scores: np.ndarray,
                      tolerance: float = BALANCE_TOLERANCE,
                      max_iterations: int = MAX_BALANCE_ITERATIONS
                      ) -> np.ndarray:
    """The scores of a set of crops of whole cells, each autosome given
    the same summed score.

    The targets are fixed first: X and Y keep their summed scores, and each
    autosome gets the mean of the autosomes'. Then every type's column is
    scaled to its target and every row normalised again, in turns, until
    each summed score is within ``tolerance`` of its target (iterative
    proportional fitting, whose result is the one scaling per type that
    meets the targets). So a crop's ranking of two types moves only by how
    the set as a whole leans.

    Args:
        scores (np.ndarray): Softmax scores of the crops, (N, 24).
        tolerance (float): Largest relative difference of a type's summed
            score from its target at the end. Defaults to
            :data:`BALANCE_TOLERANCE`.
        max_iterations (int): Defaults to :data:`MAX_BALANCE_ITERATIONS`;
            a set still off by more than ``tolerance`` then gets a warning.

    Returns:
        np.ndarray: The balanced scores, (N, 24), rows summing to 1.

    Raises:
        ValueError: If ``scores`` is not (N, 24) with N > 0, finite and
            non-negative with a positive sum on every row, or an autosome
            has no score at all (no scaling raises it to the others').
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[1] != len(CHROMOSOME_CATEGORIES) \
            or len(scores) == 0:
        raise ValueError(
            'balance_autosomes: scores must be (N, '
            f'{len(CHROMOSOME_CATEGORIES)}) with N > 0, got '
            f'{scores.shape}.')
    if not np.isfinite(scores).all() or (scores < 0).any() or \
            (scores.sum(1) == 0).any():
        raise ValueError('balance_autosomes: scores must be finite and '
                         'non-negative, with a positive sum on every row '
                         '(softmax scores).')
    if (scores[:, AUTOSOMES].sum(0) == 0).any():
        raise ValueError('balance_autosomes: an autosome has a score of 0 '
                         'on every crop, so no scaling balances it.')
    balanced = scores / scores.sum(1, keepdims=True)
    targets = balanced.sum(0)
    targets[AUTOSOMES] = targets[AUTOSOMES].mean()
    for _ in range(max_iterations):
        gain = targets / balanced.sum(0)
        if np.abs(gain - 1).max() <= tolerance:
            return balanced
        balanced *= gain
        balanced /= balanced.sum(1, keepdims=True)
    off = np.abs(targets / balanced.sum(0) - 1).max()
    print_log(
        f'balance_autosomes: after {max_iterations} iterations a summed '
        f'score is still {100 * off:.1f} % off its target (scores of some '
        'autosomes on very few crops); the scores are as far as it got.',
        logger='current',
        level=logging.WARNING)
    return balanced
