from types import SimpleNamespace

import pytest
import torch.nn as nn
from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop

from mmscl.engine import CEWarmupHook
from mmscl.models.losses import PairedContrastiveLoss, SoftmaxFocalLoss


def fake_runner(loop_type, iteration=0, epoch=0):
    """What the hook reads of a runner: its loop, model, iter and epoch."""
    model = nn.ModuleDict(dict(
        cls=SoftmaxFocalLoss(), con=PairedContrastiveLoss()))
    return SimpleNamespace(train_loop=object.__new__(loop_type), model=model,
                           iter=iteration, epoch=epoch, logger=None)


def test_warmup_switches_both_losses_to_cross_entropy():
    hook = CEWarmupHook(warmup_iters=2)
    runner = fake_runner(IterBasedTrainLoop)
    hook.before_train(runner)
    for iteration, in_warmup in ((0, True), (1, True), (2, False)):
        runner.iter = iteration
        hook.before_train_iter(runner, iteration)
        assert [m.in_ce_warmup for m in runner.model.values()] == \
            [in_warmup] * 2


def test_warmup_epochs_under_an_iteration_loop_is_refused():
    with pytest.raises(ValueError, match='warmup_epochs=1 never ends'):
        CEWarmupHook(warmup_epochs=1).before_train(
            fake_runner(IterBasedTrainLoop))
    hook = CEWarmupHook(warmup_epochs=1)
    runner = fake_runner(EpochBasedTrainLoop, epoch=1)
    hook.before_train(runner)
    hook.before_train_iter(runner, 0)
    assert not runner.model.con.in_ce_warmup
