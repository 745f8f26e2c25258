from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import IterBasedTrainLoop

from mmpretrain.registry import HOOKS
from mmscl.models.losses import PairedContrastiveLoss, SoftmaxFocalLoss


@HOOKS.register_module()
class CEWarmupHook(Hook):
    """Train with cross-entropy first, then with the focal loss.

    The SCL authors train their first epoch (2000 steps) with plain
    cross-entropy and switch to the focal loss from the second. This hook
    sets the gamma of every :class:`SoftmaxFocalLoss` and
    :class:`PairedContrastiveLoss` in the model to 0 (cross-entropy) while
    the run is in its warm-up, and back to its configured value after; the
    contrastive loss then also weighs with its ``warmup_loss_weight``.

    Args:
        warmup_epochs (int, optional): Warm-up length in epochs, for an
            epoch-based loop only (under ``IterBasedTrainLoop`` the epoch
            never advances, so it is refused).
        warmup_iters (int, optional): Warm-up length in iterations. Give
            exactly one of the two.
    """

    priority = 'NORMAL'

    def __init__(self,
                 warmup_epochs: Optional[int] = None,
                 warmup_iters: Optional[int] = None):
        if (warmup_epochs is None) == (warmup_iters is None):
            raise ValueError('CEWarmupHook: give exactly one of '
                             'warmup_epochs and warmup_iters.')
        self.warmup_epochs = warmup_epochs
        self.warmup_iters = warmup_iters

    def before_train(self, runner) -> None:
        if self.warmup_epochs is not None and isinstance(
                runner.train_loop, IterBasedTrainLoop):
            raise ValueError(
                f'CEWarmupHook: warmup_epochs={self.warmup_epochs} never '
                'ends under IterBasedTrainLoop (its epoch stays 0): give '
                'warmup_iters instead.')
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        self.warmup_losses = [
            m for m in model.modules()
            if isinstance(m, (SoftmaxFocalLoss, PairedContrastiveLoss))
        ]
        if not self.warmup_losses:
            runner.logger.warning(
                'CEWarmupHook: the model has no SoftmaxFocalLoss or '
                'PairedContrastiveLoss; the hook does nothing.')

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        if self.warmup_epochs is not None:
            in_warmup = runner.epoch < self.warmup_epochs
        else:
            in_warmup = runner.iter < self.warmup_iters
        for loss in self.warmup_losses:
            loss.in_ce_warmup = in_warmup
