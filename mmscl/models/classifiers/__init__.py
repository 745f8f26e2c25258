from .base import MultiBranchClassifier
from .varifocal_net import VarifocalNet

__all__ = ['MultiBranchClassifier', 'VarifocalNet']
