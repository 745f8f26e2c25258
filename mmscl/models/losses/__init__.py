from .focal_loss import SoftmaxFocalLoss, softmax_focal_loss
from .paired_contrastive_loss import PairedContrastiveLoss

__all__ = ['SoftmaxFocalLoss', 'softmax_focal_loss', 'PairedContrastiveLoss']
