from .heads import SCLHead
from .losses import PairedContrastiveLoss, SoftmaxFocalLoss
from .necks import TIMMPooling

__all__ = [
    'SCLHead', 'PairedContrastiveLoss', 'SoftmaxFocalLoss', 'TIMMPooling'
]
