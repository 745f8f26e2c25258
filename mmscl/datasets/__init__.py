from .categories import CHROMOSOME_CATEGORIES
from .chromosome import ChromosomeDataset
from .samplers import PairedTypeSampler
from .transforms import (InvertIntensity, Letterbox, LoadChromosomeImage,
                         RandomContrastGamma, RandomRotate)

__all__ = [
    'CHROMOSOME_CATEGORIES', 'ChromosomeDataset', 'PairedTypeSampler',
    'InvertIntensity', 'Letterbox', 'LoadChromosomeImage',
    'RandomContrastGamma', 'RandomRotate'
]
