from .categories import CHROMOSOME_CATEGORIES
from .chromosome import ChromosomeDataset
from .samplers import PairedTypeBatchSampler, PairedTypeSampler
from .synthetic_chromosome import SyntheticChromosomeDataset
from .transforms import (AlignLongAxis, Letterbox, LoadChromosomeImage,
                         NormalizeStain, RandomContrastGamma, RandomRotate)

__all__ = [
    'CHROMOSOME_CATEGORIES', 'ChromosomeDataset', 'PairedTypeBatchSampler',
    'PairedTypeSampler',
    'SyntheticChromosomeDataset',
    'AlignLongAxis', 'Letterbox', 'LoadChromosomeImage', 'NormalizeStain',
    'RandomContrastGamma', 'RandomRotate'
]
