from .loading import LoadChromosomeImage, imdecode_grayscale, imread_grayscale
from .processing import (Letterbox, NormalizeStain, RandomContrastGamma,
                         RandomGaussianNoise, RandomJPEGCompression,
                         RandomReferenceScale, RandomRotate)
from .reference import RandomReferenceLevel
from .straight_target import CopyStraightTarget

__all__ = [
    'LoadChromosomeImage', 'imdecode_grayscale', 'imread_grayscale',
    'Letterbox', 'NormalizeStain', 'RandomContrastGamma',
    'RandomGaussianNoise', 'RandomJPEGCompression', 'RandomReferenceScale',
    'RandomRotate', 'RandomReferenceLevel', 'CopyStraightTarget'
]
