from .ce_warmup_hook import CEWarmupHook
from .train_stage_hook import TrainStageHook

__all__ = ['CEWarmupHook', 'TrainStageHook']
