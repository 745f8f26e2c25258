from .timm_pooling import TIMMPooling

__all__ = ['TIMMPooling']
