"""Running trained models over data, as the tools and benchmarks do."""
from .scoring import FEATURE_TYPES, DatasetScores, score_dataset

__all__ = ['FEATURE_TYPES', 'DatasetScores', 'score_dataset']
