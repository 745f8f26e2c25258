from mmpretrain.registry import HOOKS
from mmengine.hooks import Hook

from mmscl.datasets.samplers import PairedTypeSampler


@HOOKS.register_module()
class CheckPairedBatchHook(Hook):
    """Check at start-up that a :class:`PairedTypeSampler` feeds batches of
    exactly ``2 * num_types`` samples, so that every batch is B1 then B2.

    Any other batch size would silently cut batches across pairs.
    """

    def before_train(self, runner) -> None:
        dataloader = runner.train_dataloader
        sampler = dataloader.sampler
        if (isinstance(sampler, PairedTypeSampler)
                and dataloader.batch_size != sampler.batch_size):
            raise ValueError(
                f'train_dataloader.batch_size is {dataloader.batch_size}, '
                f'but PairedTypeSampler lays out batches of '
                f'{sampler.batch_size} (two halves of '
                f'{sampler.batch_size // 2} types): set '
                f'train_dataloader.batch_size={sampler.batch_size}.')
