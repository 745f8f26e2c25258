from .hooks import CEWarmupHook

__all__ = ['CEWarmupHook']
