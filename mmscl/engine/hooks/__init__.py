from .adapt_batchnorm_hook import AdaptBatchNormHook
from .ce_warmup_hook import CEWarmupHook
from .disjoint_splits_hook import DisjointSplitsHook
from .train_stage_hook import TrainStageHook

__all__ = [
    'AdaptBatchNormHook', 'CEWarmupHook', 'DisjointSplitsHook',
    'TrainStageHook'
]
