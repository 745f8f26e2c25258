from .adapt_batchnorm_hook import AdaptBatchNormHook
from .ce_warmup_hook import CEWarmupHook
from .checkpoint_match_hook import CheckpointMatchHook
from .disjoint_splits_hook import DisjointSplitsHook
from .finite_loss_hook import FiniteLossHook
from .resumed_lr_hook import ResumedLrHook
from .train_stage_hook import TrainStageHook

__all__ = [
    'AdaptBatchNormHook', 'CEWarmupHook', 'CheckpointMatchHook',
    'DisjointSplitsHook', 'FiniteLossHook', 'ResumedLrHook',
    'TrainStageHook'
]
