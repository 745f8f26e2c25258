from .loading import LoadChromosomeImage, imdecode_grayscale, imread_grayscale
from .processing import (InvertIntensity, Letterbox, RandomContrastGamma,
                         RandomRotate)

__all__ = [
    'LoadChromosomeImage', 'imdecode_grayscale', 'imread_grayscale',
    'Letterbox', 'RandomRotate', 'RandomContrastGamma', 'InvertIntensity'
]
