from .interleaved_resnets import InterleavedResNets
from .varifocal_backbone import VarifocalBackbone

__all__ = ['InterleavedResNets', 'VarifocalBackbone']
