from .classifiers import (InterleavedStraighteningNet, MultiBranchClassifier,
                          VarifocalNet)
from .heads import BoxLocalizer, SCLHead
from .losses import PairedContrastiveLoss, SoftmaxFocalLoss
from .necks import TIMMPooling

__all__ = [
    'SCLHead', 'PairedContrastiveLoss', 'SoftmaxFocalLoss', 'TIMMPooling',
    'BoxLocalizer', 'MultiBranchClassifier', 'VarifocalNet',
    'InterleavedStraighteningNet'
]
