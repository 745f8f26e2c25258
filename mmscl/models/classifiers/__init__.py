from .interleaved_net import InterleavedStraighteningNet
from .varifocal_net import VarifocalNet

__all__ = ['InterleavedStraighteningNet', 'VarifocalNet']
