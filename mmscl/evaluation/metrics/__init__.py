from .chromosome_metric import ChromosomeMetric

__all__ = ['ChromosomeMetric']
