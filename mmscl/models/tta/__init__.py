from .average_score_tta import AverageScoreTTA

__all__ = ['AverageScoreTTA']
