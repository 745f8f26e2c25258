import math
from typing import Optional

import torch
from mmengine.hooks import Hook

from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Stop a training at its first non-finite loss, before a checkpoint of
    the diverged model is saved.

    The loss is read from the message hub, where MMEngine's
    ``RuntimeInfoHook`` has already put it as a Python float, so the check
    costs no device sync. Its priority sits between that hook's and the
    ``CheckpointHook``'s, so a step that diverges is never saved. Weights
    can turn non-finite in a step whose loss was still finite, so every
    checkpoint is also checked before it is written (a sync per save, not
    per step).
    """

    priority = 'ABOVE_NORMAL'

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        loss = runner.message_hub.get_scalar('train/loss').current()
        if not math.isfinite(loss):
            scalars = runner.message_hub.log_scalars
            terms = [
                f'{key} {scalars[f"train/{key}"].current()}'
                for key in (outputs or {}) if key.startswith('loss_')
            ]
            raise FloatingPointError(
                f'Training diverged: the loss is {loss} at iteration '
                f'{runner.iter + 1} (lr {self._lr(runner)}); stopped '
                'without saving the diverged model. Lower '
                'optim_wrapper.optimizer.lr, or resume from the last '
                'checkpoint.' + (f' Losses: {", ".join(terms)}.'
                                 if terms else ''))

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        bad = [
            name for name, tensor in checkpoint['state_dict'].items()
            if tensor.is_floating_point() and
            not torch.isfinite(tensor).all()
        ]
        if bad:
            raise FloatingPointError(
                f'Training diverged: {len(bad)} weight tensor(s) are not '
                f'finite at iteration {runner.iter} (e.g. {bad[0]}; lr '
                f'{self._lr(runner)}); the checkpoint was not saved. Lower '
                'optim_wrapper.optimizer.lr, or resume from the last '
                'checkpoint.')

    @staticmethod
    def _lr(runner) -> str:
        scalars = runner.message_hub.log_scalars
        return (f"{scalars['train/lr'].current():g}"
                if 'train/lr' in scalars else 'unknown')
