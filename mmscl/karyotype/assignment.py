"""Karyotype inference: the jointly most likely labelling of a cell's crops.

A normal human cell holds two of each autosome and XX or XY. Given the
softmax scores of all crops of one cell, :func:`assign_cell` finds the
labelling with the largest summed log-probability in which no type gets
more crops than its capacity. With one column per slot (2 per autosome, the
sex chromosomes' slots of XX or of XY) this is a rectangular linear
assignment problem, solved exactly by
:func:`scipy.optimize.linear_sum_assignment`; both sexes are tried and the
more likely kept.

Capacities are upper bounds, not quotas: a cell with fewer crops than slots
(crops lost in segmentation) leaves slots empty. A cell with more crops than
slots (overlaps, debris, a trisomy) fills every slot and keeps the crops
that fit no slot at their own argmax, marked ``extra``.

The constraint must not hide an abnormal cell, so every assignment reports
what it overrode: crops confidently predicted as a type (top score at
least ``confidence``) that did not get one of its slots are a *possible
gain* of that type (three crops confident 21 -> "possible trisomy 21"), and
slots left empty a *possible loss* (a monosomy, or a crop lost in
segmentation).

Crops grouped by an id that is not a cell's (merged cells, a case or
patient id used as ``cell_id``, ids that group the crops of one type) would
be forced into one cell's slots, which turns right predictions wrong: such
groups (:func:`why_not_one_cell`) are left unconstrained and say so.
"""
from dataclasses import dataclass, field
from typing import Dict, Hashable, List, Optional, Sequence, Tuple

import numpy as np
from scipy.optimize import linear_sum_assignment

from mmscl.datasets.categories import CHROMOSOME_CATEGORIES

# Sex chromosome complements tried for every cell, in order of preference
# when both explain the crops equally well.
SEX_COMPLEMENTS = {'XX': ('X', 'X'), 'XY': ('X', 'Y')}
AUTOSOME_CAPACITY = 2
# A crop whose top score reaches this counts as a confident prediction for
# the gain flag. Lower thresholds raise false alarms faster than detections
# (docs/karyotyping.md gives both rates).
DEFAULT_CONFIDENCE = 0.9
# Floor of the probabilities before the log: a score of exactly 0 costs
# -log(1e-12) ~ 27.6 nats instead of infinity.
MIN_PROBABILITY = 1e-12
# A group of more crops than this is not one cell: a normal cell holds 46,
# hyperdiploid ones a few more (issue 21).
MAX_CELL_CROPS = 60
# Nor is a group with more than this many times a type's slots (of XX or
# XY, whichever has more) of crops predicted as that type with at least
# NOT_A_CELL_CONFIDENCE: a trisomy or tetrasomy stays below it, crops of one
# type grouped together do not; unconfident crops (an untrained model
# predicting one type everywhere) do not count.
MAX_SLOT_MULTIPLE = 2
NOT_A_CELL_CONFIDENCE = 0.5


def type_capacities(sex: str) -> np.ndarray:
    """The number of slots of every type in a normal cell of a sex.

    Args:
        sex (str): ``'XX'`` or ``'XY'``.

    Returns:
        np.ndarray: Slots per type in label index order, shape (24, ).
    """
    if sex not in SEX_COMPLEMENTS:
        raise ValueError(f'sex must be one of {list(SEX_COMPLEMENTS)}, got '
                         f'{sex!r}.')
    capacities = np.full(len(CHROMOSOME_CATEGORIES), AUTOSOME_CAPACITY)
    for name in ('X', 'Y'):
        capacities[CHROMOSOME_CATEGORIES.index(name)] = \
            SEX_COMPLEMENTS[sex].count(name)
    return capacities


@dataclass
class CellAssignment:
    """The constrained labelling of one cell and what it overrode.

    Args:
        labels (np.ndarray): Assigned type index of every crop, shape (N, ).
        pred_labels (np.ndarray): Unconstrained prediction (argmax) of every
            crop, shape (N, ).
        confidences (np.ndarray): Top score of every crop, shape (N, ).
        extra (np.ndarray): Whether a crop fits no slot and keeps its
            argmax, shape (N, ), bool.
        sex (str): The inferred sex complement, ``'XX'`` or ``'XY'``.
        log_prob (float): Summed log-probability of ``labels``.
        free_log_prob (float): Summed log-probability of ``pred_labels``.
        gains (dict[int, int]): Type index -> crops confidently predicted
            as that type, for every type some of whose confident crops got
            none of its slots.
        losses (dict[int, int]): Type index -> empty slots, for every type
            with empty slots.
        not_a_cell (str): Why the crops cannot be one cell (see
            :func:`why_not_one_cell`), in which case ``labels`` are the
            predictions, ``sex`` is '' and nothing is flagged but this;
            '' for a cell.
    """
    labels: np.ndarray
    pred_labels: np.ndarray
    confidences: np.ndarray
    extra: np.ndarray
    sex: str
    log_prob: float
    free_log_prob: float
    gains: Dict[int, int] = field(default_factory=dict)
    losses: Dict[int, int] = field(default_factory=dict)
    not_a_cell: str = ''

    @property
    def cost(self) -> float:
        """How much less likely the constrained labelling is than the
        unconstrained one, in nats (>= 0)."""
        return self.free_log_prob - self.log_prob

    @property
    def moved(self) -> np.ndarray:
        """Whether the constraint changed a crop's type, shape (N, )."""
        return self.labels != self.pred_labels

    @property
    def flags(self) -> List[str]:
        """The possible abnormalities, as text for reports and titles."""
        if self.not_a_cell:
            return [f'not one cell ({self.not_a_cell}): left unconstrained']
        flags = []
        for index, count in sorted(self.gains.items()):
            name = CHROMOSOME_CATEGORIES[index]
            flags.append(f'possible trisomy {name}' if count == 3 else
                         f'possible gain of {name} ({count} confident crops)')
        for index, empty in sorted(self.losses.items()):
            name = CHROMOSOME_CATEGORIES[index]
            flags.append(f'missing {name} x{empty} (loss or lost crop)')
        if self.extra.any():
            flags.append(f'{int(self.extra.sum())} crop(s) beyond the slots '
                         '(kept at their prediction)')
        return flags


def _check_scores(scores: np.ndarray) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float64)
    num_types = len(CHROMOSOME_CATEGORIES)
    if scores.ndim != 2 or scores.shape[1] != num_types or not len(scores):
        raise ValueError(
            f'A cell needs softmax scores of shape (crops >= 1, {num_types}), '
            f'got {scores.shape}.')
    if not np.isfinite(scores).all() or (scores < 0).any():
        raise ValueError('Scores must be finite probabilities (softmax '
                         'outputs), got negative or non-finite values.')
    return scores


def _solve(nll: np.ndarray, capacities: np.ndarray) -> Tuple[np.ndarray,
                                                              np.ndarray]:
    """Labels and ``extra`` mask of the cheapest capacity-respecting
    labelling; ``nll`` is the negative log-probability, shape (N, T)."""
    num_crops = len(nll)
    slot_types = np.repeat(np.arange(len(capacities)), capacities)  # (S, )
    cost = nll[:, slot_types]  # (N, S): crop i in slot j
    overflow = num_crops - len(slot_types)
    if overflow > 0:
        # Exactly `overflow` crops must go without a slot; each costs its
        # argmax, so the solver leaves out those that fit no slot best.
        cost = np.hstack(
            [cost, np.repeat(nll.min(axis=1, keepdims=True), overflow, 1)])
    rows, cols = linear_sum_assignment(cost)
    labels = nll.argmin(axis=1)
    extra = np.ones(num_crops, bool)
    in_slot = cols < len(slot_types)
    labels[rows[in_slot]] = slot_types[cols[in_slot]]
    extra[rows[in_slot]] = False
    return labels, extra


def assign_cell(scores: np.ndarray,
                confidence: float = DEFAULT_CONFIDENCE) -> CellAssignment:
    """Label the crops of one cell jointly under the normal cell's slots.

    Args:
        scores (np.ndarray): Softmax scores of the cell's crops over the 24
            types, shape (N, 24).
        confidence (float): Top score from which a crop counts as a
            confident prediction for the gain flag. Defaults to
            :data:`DEFAULT_CONFIDENCE`.

    Returns:
        CellAssignment: The more likely of the XX and XY labellings, or,
        for crops that cannot be one cell (:func:`why_not_one_cell`), the
        unconstrained predictions with ``not_a_cell`` saying why.
    """
    if not 0 < confidence <= 1:
        raise ValueError(f'confidence must be in (0, 1], got {confidence}.')
    scores = _check_scores(scores)
    nll = -np.log(np.maximum(scores, MIN_PROBABILITY))  # (N, 24)
    crops = np.arange(len(nll))
    pred_labels = nll.argmin(axis=1)
    free_log_prob = -float(nll[crops, pred_labels].sum())
    confidences = scores.max(axis=1)
    not_a_cell = why_not_one_cell(scores)
    if not_a_cell:
        return CellAssignment(pred_labels, pred_labels, confidences,
                              np.zeros(len(nll), bool), '', free_log_prob,
                              free_log_prob, not_a_cell=not_a_cell)
    best = None
    for sex in SEX_COMPLEMENTS:
        capacities = type_capacities(sex)
        labels, extra = _solve(nll, capacities)
        log_prob = -float(nll[crops, labels].sum())
        if best is None or log_prob > best[0] + 1e-9:
            best = (log_prob, sex, capacities, labels, extra)
    log_prob, sex, capacities, labels, extra = best

    confident = confidences >= confidence
    placed = (labels == pred_labels) & ~extra
    gains = {}
    for index in np.unique(pred_labels[confident & ~placed]):
        gains[int(index)] = int((confident & (pred_labels == index)).sum())
    filled = np.bincount(labels[~extra], minlength=len(capacities))
    losses = {
        int(index): int(capacities[index] - filled[index])
        for index in np.flatnonzero(filled < capacities)
    }
    return CellAssignment(labels, pred_labels, confidences, extra, sex,
                          log_prob, free_log_prob, gains, losses)


def why_not_one_cell(scores: np.ndarray) -> str:
    """Why a group of crops cannot be the crops of one cell, or ''.

    Args:
        scores (np.ndarray): Softmax scores of the group's crops, shape
            (N, 24).

    Returns:
        str: '' when the group can be one cell, else the reason: more than
        :data:`MAX_CELL_CROPS` crops, or more than :data:`MAX_SLOT_MULTIPLE`
        times a type's slots of crops confidently predicted as that type.
    """
    scores = _check_scores(scores)
    if len(scores) > MAX_CELL_CROPS:
        return (f'{len(scores)} crops, a cell holds at most about '
                f'{MAX_CELL_CROPS}')
    slots = np.maximum(*(type_capacities(sex) for sex in SEX_COMPLEMENTS))
    confident = scores.max(axis=1) >= NOT_A_CELL_CONFIDENCE
    counts = np.bincount(scores[confident].argmax(axis=1),
                         minlength=len(slots))
    crowded = np.flatnonzero(counts > MAX_SLOT_MULTIPLE * slots)
    if len(crowded):
        return ', '.join(
            f'{counts[t]} crops predicted {CHROMOSOME_CATEGORIES[t]} for '
            f'{slots[t]} slot(s)' for t in crowded)
    return ''


def group_by_cell(cell_ids: Sequence[Hashable]) -> Dict[Hashable, np.ndarray]:
    """Indices of the crops of every cell, cells in order of appearance.

    Args:
        cell_ids (Sequence): The cell id of every crop.

    Returns:
        dict: Cell id -> crop indices, shape (crops of the cell, ).
    """
    cells: Dict[Hashable, List[int]] = {}
    for index, cell_id in enumerate(cell_ids):
        cells.setdefault(cell_id, []).append(index)
    return {cell_id: np.asarray(idx) for cell_id, idx in cells.items()}


def cell_sex(labels: Sequence[int]) -> Optional[str]:
    """The sex complement of a cell from its true labels: ``'XY'`` when it
    holds a Y crop, ``'XX'`` when it holds two X crops and no Y, else None
    (no sex chromosome, or one X whose partner may be a lost Y)."""
    labels = np.asarray(labels)
    if (labels == CHROMOSOME_CATEGORIES.index('Y')).any():
        return 'XY'
    if (labels == CHROMOSOME_CATEGORIES.index('X')).sum() >= 2:
        return 'XX'
    return None
