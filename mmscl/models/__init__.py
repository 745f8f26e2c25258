from .heads import SCLHead
from .losses import PairedContrastiveLoss, SoftmaxFocalLoss

__all__ = ['SCLHead', 'PairedContrastiveLoss', 'SoftmaxFocalLoss']
