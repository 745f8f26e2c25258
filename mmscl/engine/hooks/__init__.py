from .ce_warmup_hook import CEWarmupHook
from .check_paired_batch_hook import CheckPairedBatchHook

__all__ = ['CEWarmupHook', 'CheckPairedBatchHook']
