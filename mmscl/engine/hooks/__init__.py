from .adapt_batchnorm_hook import AdaptBatchNormHook
from .ce_warmup_hook import CEWarmupHook
from .train_stage_hook import TrainStageHook

__all__ = ['AdaptBatchNormHook', 'CEWarmupHook', 'TrainStageHook']
