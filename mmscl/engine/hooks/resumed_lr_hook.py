import math

from mmengine.hooks import Hook
from mmengine.optim import OptimWrapper

from mmpretrain.registry import HOOKS


def _base_lr(param_group: dict) -> float:
    """The lr a parameter group was configured with (``initial_lr``, set by
    MMEngine's schedulers), else its current one."""
    return param_group.get('initial_lr', param_group['lr'])


@HOOKS.register_module()
class ResumedLrHook(Hook):
    """Say which lr a resumed training runs with, and dump that one.

    ``--resume`` restores the optimizer and the lr schedulers, so a changed
    ``optim_wrapper.optimizer.lr`` is silently not used, while the config
    dumped into the work dir says it is. This hook warns, naming both, and
    dumps the config again with the lr that runs.
    """

    priority = 'VERY_LOW'

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        optimizer_state = checkpoint.get('optimizer')
        if not (runner.cfg.get('resume') and optimizer_state
                and isinstance(runner.optim_wrapper, OptimWrapper)):
            return
        configured = _base_lr(runner.optim_wrapper.optimizer.param_groups[0])
        resumed = _base_lr(optimizer_state['param_groups'][0])
        if math.isclose(configured, resumed, rel_tol=1e-6):
            return
        optimizer_cfg = runner.cfg.optim_wrapper.optimizer
        config_lr = optimizer_cfg.lr
        # The same scale as the config's lr (auto_scale_lr, lr_mult).
        optimizer_cfg.lr = config_lr * resumed / configured
        runner.logger.warning(
            f'--resume: the run goes on with the lr of the checkpoint '
            f'(optim_wrapper.optimizer.lr={optimizer_cfg.lr:g}), not the '
            f"config's {config_lr:g}: resuming restores the optimizer and "
            'its schedulers. The config dumped into the work dir now says '
            f'{optimizer_cfg.lr:g}. To train on with {config_lr:g}, start '
            'from the checkpoint with load_from=CKPT instead of --resume.')
        runner.dump_config()
