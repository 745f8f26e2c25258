from .hooks import CEWarmupHook, CheckPairedBatchHook

__all__ = ['CEWarmupHook', 'CheckPairedBatchHook']
