from .paired_type import PairedTypeSampler

__all__ = ['PairedTypeSampler']
