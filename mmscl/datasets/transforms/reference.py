from typing import Dict

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmpretrain.registry import TRANSFORMS

# The groupings a reference length is the median over, fine to coarse: a
# crop's cell, its case or patient (many cells of one person), the dataset.
REFERENCE_LEVELS = ('cell', 'patient', 'dataset')


@TRANSFORMS.register_module()
class RandomReferenceLevel(BaseTransform):
    """Normalise a crop's scale by the reference length of a random level.

    A test set gives the reference of the finest grouping its annotation
    has: a crop's cell, its patient or case, or only the whole dataset
    (class folders). Each is a cruder estimate of the crop's own cell's
    scale, so a model trained on cell references alone loses much of its
    accuracy where cells are unknown. Drawing the level per crop in
    training makes the model work at every level.

    **Required Keys:**

    - ref_lengths (set by :class:`ChromosomeDataset`)

    **Modified Keys:**

    - ref_length

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
        if 'ref_lengths' not in results:
            raise KeyError(
                f'{self.__class__.__name__} needs the crop\'s ref_lengths '
                f'({results.get("img_path")}): use ChromosomeDataset with '
                'length_reference set.')
        results['ref_length'] = results['ref_lengths'][self._random_level()]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(level_probs={self.level_probs})'
