"""The reference length a crop's scale is normalised by, drawn in
training: its level, and a jitter."""
from typing import Dict, Sequence

import numpy as np
from mmcv.transforms.utils import cache_randomness
from mmpretrain.registry import TRANSFORMS

from .base import (ChromosomeTransform, RandomChromosomeTransform,
                   check_range, require_ref_length)

# The groupings a reference length is the median over, fine to coarse: a
# crop's cell, its case or patient (many cells of one person), the dataset.
REFERENCE_LEVELS = ('cell', 'patient', 'dataset')


@TRANSFORMS.register_module()
class RandomReferenceLevel(ChromosomeTransform):
    """Normalise a crop's scale by the reference length of a random level.

    A test set gives the reference of the finest grouping its annotation
    has: a crop's cell, its patient or case, or only the whole dataset
    (class folders). Each is a cruder estimate of the crop's own cell's
    scale, so a model trained on cell references alone loses much of its
    accuracy where cells are unknown. Drawing the level per crop in
    training makes the model work at every level.

    **Required Keys:**

    - ref_lengths, ref_levels (set by :class:`ChromosomeDataset`)

    **Modified Keys:**

    - ref_length
    - ref_level

    Args:
        level_probs (dict[str, float]): Probability of each level of
            :data:`REFERENCE_LEVELS` ('cell', 'patient', 'dataset'),
            summing to 1. A crop of a small or unknown group has its
            coarser level's reference at the finer levels.
    """

    def __init__(self, level_probs: Dict[str, float]) -> None:
        unknown = set(level_probs) - set(REFERENCE_LEVELS)
        if unknown:
            raise ValueError(
                f'RandomReferenceLevel: level_probs has unknown level(s) '
                f'{sorted(unknown)}; the levels are {REFERENCE_LEVELS}.')
        probs = np.array([level_probs.get(level, 0.)
                          for level in REFERENCE_LEVELS], dtype=float)
        if (probs < 0).any() or not np.isclose(probs.sum(), 1.):
            raise ValueError(
                'RandomReferenceLevel: level_probs must be at least 0 and '
                f'sum to 1, got {level_probs}.')
        self.level_probs = dict(level_probs)
        self._probs = probs / probs.sum()

    @cache_randomness
    def _random_level(self) -> str:
        return REFERENCE_LEVELS[np.random.choice(len(REFERENCE_LEVELS),
                                                 p=self._probs)]

    def transform(self, results: dict) -> dict:
        """Set ``results['ref_length']`` to a random level's reference.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict with the drawn reference length.
        """
        if 'ref_lengths' not in results or 'ref_levels' not in results:
            raise KeyError(
                f'{self.__class__.__name__} needs the crop\'s ref_lengths '
                'and ref_levels '
                f'({results.get("img_path")}): use ChromosomeDataset with '
                'length_reference set.')
        level = self._random_level()
        results['ref_length'] = results['ref_lengths'][level]
        results['ref_level'] = results['ref_levels'][level]
        return results


@TRANSFORMS.register_module()
class RandomReferenceScale(RandomChromosomeTransform):
    """Jitter the scale that :class:`Letterbox` normalises a crop to, by
    dividing its ``ref_length`` by a random factor.

    The reference length of a cell is an estimate (and absent cells take
    the dataset's), so a model should not rely on the exact normalised
    size: with factors drawn log-uniformly from ``ratio_range``, a crop is
    drawn that much larger or smaller.

    **Required Keys:**

    - ref_length

    **Modified Keys:**

    - ref_length

    Args:
        ratio_range (Sequence[float]): (min, max) of the scale factor,
            above 0. Defaults to (0.87, 1.15).
        prob (float): Probability of jittering. Defaults to 1.
    """

    def __init__(self,
                 ratio_range: Sequence[float] = (0.87, 1.15),
                 prob: float = 1.) -> None:
        super().__init__(prob)
        self.ratio_range = check_range(ratio_range, 'ratio_range', 0.)

    def check_inputs(self, results: dict) -> None:
        """Raise if ``results`` lacks the crop's reference length.

        Args:
            results (dict): The result dict.
        """
        require_ref_length(results, self.__class__.__name__, '')

    def draw(self) -> float:
        """Draw the scale factor."""
        return float(np.exp(np.random.uniform(*np.log(self.ratio_range))))

    def apply(self, results: dict, ratio: float) -> dict:
        """Divide ``results['ref_length']`` by ``ratio``.

        Args:
            results (dict): The result dict.
            ratio (float): The drawn scale factor.

        Returns:
            dict: The result dict with the jittered reference length.
        """
        return divide_reference(results, ratio)


def divide_reference(results: dict, ratio: float) -> dict:
    """Divide ``results['ref_length']`` by ``ratio``: :class:`Letterbox`
    then draws the crop ``ratio`` times larger."""
    results['ref_length'] = results['ref_length'] / ratio
    return results


@TRANSFORMS.register_module()
class ReferenceScale(ChromosomeTransform):
    """Draw a crop larger or smaller than its reference length says, by a
    factor that depends on the level the reference came from.

    One view of a test-time average over scales (the configs'
    ``tta_pipeline``, ``tools/test.py --tta``): a reference of the crop's
    own cell is close to right, a dataset's can be 20 % off for a cell,
    so the views of a crop without a cell spread wider.

    **Required Keys:**

    - ref_length
    - ref_level (set by :class:`ChromosomeDataset`)

    **Modified Keys:**

    - ref_length

    Args:
        factors (dict[str, float]): The factor (above 0; above 1 draws the
            crop larger) for each level of :data:`REFERENCE_LEVELS`.
    """

    def __init__(self, factors: Dict[str, float]) -> None:
        missing = set(REFERENCE_LEVELS) - set(factors)
        unknown = set(factors) - set(REFERENCE_LEVELS)
        if missing or unknown:
            raise ValueError(
                f'ReferenceScale: factors needs one factor for each level '
                f'of {REFERENCE_LEVELS}, got {factors}.')
        if min(factors.values()) <= 0:
            raise ValueError(
                f'ReferenceScale: factors must be above 0, got {factors}.')
        self.factors = {level: float(factors[level])
                        for level in REFERENCE_LEVELS}

    def transform(self, results: dict) -> dict:
        """Divide ``results['ref_length']`` by the factor of
        ``results['ref_level']``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict with the scaled reference length.
        """
        require_ref_length(results, self.__class__.__name__, '')
        if 'ref_level' not in results:
            raise KeyError(
                f'{self.__class__.__name__} needs the ref_level of the crop\'s '
                f'reference ({results.get("img_path")}): use '
                'ChromosomeDataset with length_reference set.')
        return divide_reference(results, self.factors[results['ref_level']])
