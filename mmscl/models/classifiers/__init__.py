from .base import MultiBranchClassifier
from .interleaved_net import InterleavedStraighteningNet
from .varifocal_net import VarifocalNet

__all__ = [
    'MultiBranchClassifier', 'InterleavedStraighteningNet', 'VarifocalNet'
]
