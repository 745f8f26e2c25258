from mmengine.hooks import Hook
from mmengine.model import BaseTTAModel, is_model_wrapper

from mmpretrain.registry import HOOKS
from mmscl.utils.checkpoint_match import (DEFAULT_MIN_LOADED_FRACTION,
                                          check_checkpoint)


@HOOKS.register_module()
class CheckpointMatchHook(Hook):
    """Refuse a checkpoint of another model before the runner loads it.

    ``load_from`` (training and ``tools/test.py``) and ``--resume`` load
    non-strictly in MMEngine; this hook counts the model's tensors found in
    the checkpoint (same name and shape), logs the count, and stops when
    fewer than ``min_loaded_fraction`` of them are there. Resuming needs
    every tensor with its shape (the optimizer state follows them), so a
    changed model is refused before the optimizer is loaded, naming what
    differs.

    Args:
        min_loaded_fraction (float): The least fraction of the model's
            tensors a checkpoint must hold. Defaults to 0.5; 0 loads
            anything.
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 min_loaded_fraction: float = DEFAULT_MIN_LOADED_FRACTION):
        if not 0 <= min_loaded_fraction <= 1:
            raise ValueError('CheckpointMatchHook: min_loaded_fraction must '
                             f'be within [0, 1], got {min_loaded_fraction}')
        self.min_loaded_fraction = min_loaded_fraction

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # The model the checkpoint loads into, as MMEngine unwraps it.
        model = runner.model.module if (
            is_model_wrapper(runner.model)
            or isinstance(runner.model, BaseTTAModel)) else runner.model
        resuming = bool(runner.cfg.get('resume'))
        runner.logger.info(
            check_checkpoint(
                model, checkpoint, runner.cfg.get('load_from') or
                'the checkpoint', self.min_loaded_fraction, exact=resuming))
