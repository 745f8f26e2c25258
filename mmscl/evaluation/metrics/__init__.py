from .chromosome_metric import AVERAGE_OVER, METRIC_LABELS, ChromosomeMetric
from .karyotype_metric import KaryotypeMetric

__all__ = [
    'AVERAGE_OVER', 'METRIC_LABELS', 'ChromosomeMetric', 'KaryotypeMetric'
]
