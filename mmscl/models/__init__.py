from .classifiers import (InterleavedStraighteningNet, MultiBranchClassifier,
                          VarifocalNet)
from .heads import SCLHead
from .losses import PairedContrastiveLoss, SoftmaxFocalLoss
from .necks import TIMMPooling
from .utils import BoxLocalizer

__all__ = [
    'SCLHead', 'PairedContrastiveLoss', 'SoftmaxFocalLoss', 'TIMMPooling',
    'BoxLocalizer', 'MultiBranchClassifier', 'VarifocalNet',
    'InterleavedStraighteningNet'
]
