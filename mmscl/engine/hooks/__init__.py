from .ce_warmup_hook import CEWarmupHook
from .checkpoint_match_hook import CheckpointMatchHook
from .finite_loss_hook import FiniteLossHook
from .resumed_lr_hook import ResumedLrHook
from .train_stage_hook import TrainStageHook

__all__ = [
    'CEWarmupHook', 'CheckpointMatchHook', 'FiniteLossHook', 'ResumedLrHook',
    'TrainStageHook'
]
