from .adaptation import adapt_batchnorm
from .hooks import AdaptBatchNormHook, CEWarmupHook

__all__ = ['adapt_batchnorm', 'AdaptBatchNormHook', 'CEWarmupHook']
