from .scl_head import SCLHead
from .varifocal_head import VarifocalHead

__all__ = ['SCLHead', 'VarifocalHead']
