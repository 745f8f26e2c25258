from .categories import CHROMOSOME_CATEGORIES
from .chromosome import ChromosomeDataset
from .samplers import PairedTypeSampler

__all__ = ['CHROMOSOME_CATEGORIES', 'ChromosomeDataset', 'PairedTypeSampler']
