from .backbones import InterleavedResNets, VarifocalBackbone
from .classifiers import InterleavedStraighteningNet, VarifocalNet
from .heads import SCLHead, VarifocalHead
from .losses import PairedContrastiveLoss, SoftmaxFocalLoss
from .necks import TIMMPooling
from .tta import AverageScoreTTA
from .utils import BoxLocalizer

__all__ = [
    'SCLHead', 'PairedContrastiveLoss', 'SoftmaxFocalLoss', 'TIMMPooling',
    'BoxLocalizer', 'InterleavedResNets', 'VarifocalBackbone',
    'VarifocalHead', 'VarifocalNet', 'InterleavedStraighteningNet',
    'AverageScoreTTA'
]
