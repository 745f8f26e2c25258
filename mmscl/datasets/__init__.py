from .categories import CHROMOSOME_CATEGORIES
from .chromosome import ChromosomeDataset
from .samplers import PairedTypeBatchSampler, PairedTypeSampler
from .synthetic_chromosome import SyntheticChromosomeDataset
from .transforms import (InvertIntensity, Letterbox, LoadChromosomeImage,
                         RandomContrastGamma, RandomRotate)

__all__ = [
    'CHROMOSOME_CATEGORIES', 'ChromosomeDataset', 'PairedTypeBatchSampler',
    'PairedTypeSampler',
    'SyntheticChromosomeDataset',
    'InvertIntensity', 'Letterbox', 'LoadChromosomeImage',
    'RandomContrastGamma', 'RandomRotate'
]
