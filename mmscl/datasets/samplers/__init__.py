from .paired_type import PairedTypeBatchSampler, PairedTypeSampler

__all__ = ['PairedTypeBatchSampler', 'PairedTypeSampler']
