from .scl_head import SCLHead

__all__ = ['SCLHead']
