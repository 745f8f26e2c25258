from .geometry import AlignLongAxis, Letterbox, RandomRotate
from .intensity import NormalizeStain, RandomContrastGamma
from .loading import LoadChromosomeImage, imdecode_grayscale, imread_grayscale
from .reference import (RandomReferenceLevel, RandomReferenceScale,
                        ReferenceScale)
from .straight_target import CopyStraightTarget

__all__ = [
    'LoadChromosomeImage', 'imdecode_grayscale', 'imread_grayscale',
    'AlignLongAxis', 'Letterbox', 'NormalizeStain', 'RandomContrastGamma',
    'RandomRotate',
    'RandomReferenceLevel', 'RandomReferenceScale', 'ReferenceScale',
    'CopyStraightTarget'
]
