from .chromosome_metric import ChromosomeMetric
from .karyotype_metric import KaryotypeMetric

__all__ = ['ChromosomeMetric', 'KaryotypeMetric']
