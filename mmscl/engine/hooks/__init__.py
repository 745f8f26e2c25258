from .ce_warmup_hook import CEWarmupHook

__all__ = ['CEWarmupHook']
