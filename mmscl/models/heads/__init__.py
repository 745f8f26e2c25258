from .box_localizer import BoxLocalizer
from .scl_head import SCLHead

__all__ = ['BoxLocalizer', 'SCLHead']
