from .categories import CHROMOSOME_CATEGORIES
from .chromosome import ChromosomeDataset
from .samplers import PairedTypeBatchSampler, PairedTypeSampler
from .synthetic_chromosome import SyntheticChromosomeDataset
from .transforms import (Letterbox, LoadChromosomeImage, NormalizeStain,
                         RandomContrastGamma, RandomRotate)

__all__ = [
    'CHROMOSOME_CATEGORIES', 'ChromosomeDataset', 'PairedTypeBatchSampler',
    'PairedTypeSampler',
    'SyntheticChromosomeDataset',
    'Letterbox', 'LoadChromosomeImage', 'NormalizeStain',
    'RandomContrastGamma', 'RandomRotate'
]
