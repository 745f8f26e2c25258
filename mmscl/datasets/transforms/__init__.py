from .loading import LoadChromosomeImage, imdecode_grayscale, imread_grayscale
from .processing import (Letterbox, NormalizeStain, RandomContrastGamma,
                         RandomReferenceScale, RandomRotate)

__all__ = [
    'LoadChromosomeImage', 'imdecode_grayscale', 'imread_grayscale',
    'Letterbox', 'NormalizeStain', 'RandomContrastGamma',
    'RandomReferenceScale', 'RandomRotate'
]
