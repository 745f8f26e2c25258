from mmengine.hooks import Hook

from mmpretrain.registry import HOOKS
from mmscl.datasets.split_overlap import (SplitListing, check_disjoint_splits,
                                          list_split_config)


@HOOKS.register_module()
class DisjointSplitsHook(Hook):
    """Refuse, before the first step, a training set that shares images or
    cells with the validation or test set (see
    :func:`~mmscl.datasets.split_overlap.check_disjoint_splits`).

    The training and validation sets are the runner's; the test set, not
    built in training, is read from ``test_dataloader`` for its listing
    only. ``tools/train.py`` registers this hook.
    """

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        others = []
        if runner.val_loop is not None:
            others.append(
                SplitListing('validation', runner.val_loop.dataloader.dataset))
        test_loader = runner.cfg.get('test_dataloader')
        if test_loader and test_loader.get('dataset'):
            others.append(list_split_config('test', test_loader.dataset))
        check_disjoint_splits(
            SplitListing('training', runner.train_dataloader.dataset),
            [split for split in others if split is not None])
