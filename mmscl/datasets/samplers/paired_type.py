from typing import Iterator, List, Optional, Sized

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from mmengine.logging import MMLogger
from torch.utils.data import Sampler

from mmpretrain.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class PairedTypeSampler(Sampler):
    """Sampler of paired-by-type batches for supervised contrastive learning.

    The index stream is one batch of ``2 * num_types`` indices after
    another: a half B1 with one sample of each type, in type order, then a
    half B2 laid out the same way, so that B1[k] and B2[k] are both of type
    k. :class:`PairedTypeBatchSampler` cuts it into these batches (48 for
    human chromosomes); a dataloader needs both::

        sampler=dict(type='PairedTypeSampler'),
        batch_sampler=dict(type='PairedTypeBatchSampler'),
        batch_size=None,

    The B1 samples of a type follow one shuffled pass over that type's
    samples after another, so each crop is seen before any repeats and rare
    types (Y) are drawn again as often as needed. The pass is shared by all
    ranks, which take turns along it: ranks draw different samples as long
    as a type has enough of them. Everything is deterministic from ``seed``,
    the epoch and the rank, so a resumed run sees the same stream.

    Args:
        dataset (Sized): The dataset (``get_data_info(i)['gt_label']``).
        pair_mode (str): ``'instance'``: B2[k] is another crop of type k
            than B1[k] when the type has more than one; ``'view'``: the same
            crop (two augmentations). Defaults to 'instance'.
        steps_per_epoch (int, optional): Batches per epoch and rank. The
            paper uses 2000. Defaults to one pass over the dataset across
            ranks.
        skip_empty_types (bool): Leave types without samples out of every
            batch (with a warning) instead of raising. Defaults to False.
        seed (int, optional): Random seed, identical across ranks.
            Defaults to None (a seed synchronised across ranks).
    """

    def __init__(self,
                 dataset: Sized,
                 pair_mode: str = 'instance',
                 steps_per_epoch: Optional[int] = None,
                 skip_empty_types: bool = False,
                 seed: Optional[int] = None):
        if pair_mode not in ('instance', 'view'):
            raise ValueError("PairedTypeSampler: pair_mode must be "
                             f"'instance' or 'view', got {pair_mode!r}.")
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.pair_mode = pair_mode
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0

        classes = dataset.metainfo['classes']
        labels = np.array([
            int(dataset.get_data_info(i)['gt_label'])
            for i in range(len(dataset))
        ])
        self.indices_per_type = {
            k: np.flatnonzero(labels == k)
            for k in range(len(classes))
        }
        empty = [classes[k] for k, v in self.indices_per_type.items()
                 if len(v) == 0]
        if empty and not skip_empty_types:
            raise ValueError(
                f'PairedTypeSampler: no samples of type(s) {empty} in the '
                'dataset; every batch needs one of each type. Set '
                'skip_empty_types=True to leave them out of the batches.')
        if empty:
            MMLogger.get_current_instance().warning(
                f'PairedTypeSampler: type(s) {empty} have no samples and '
                'are left out of every batch.')
        self.types = [k for k, v in self.indices_per_type.items() if len(v)]
        if not self.types:
            raise ValueError('PairedTypeSampler: the dataset is empty.')
        self.batch_size = 2 * len(self.types)

        if steps_per_epoch is None:
            steps_per_epoch = max(
                1, len(dataset) // (self.batch_size * self.world_size))
        if steps_per_epoch < 1:
            raise ValueError('PairedTypeSampler: steps_per_epoch must be '
                             f'positive, got {steps_per_epoch}.')
        self.steps_per_epoch = steps_per_epoch

    def _draw_type(self, indices: np.ndarray, shared_rng: np.random.Generator,
                   rank_rng: np.random.Generator) -> np.ndarray:
        """The (steps, 2) B1/B2 indices of one type for this rank."""
        num = len(indices)
        total = self.steps_per_epoch * self.world_size
        passes = [shared_rng.permutation(num) for _ in range(-(-total // num))]
        first = np.concatenate(passes)[self.rank:total:self.world_size]
        if self.pair_mode == 'instance' and num > 1:
            # A uniform draw among the type's other samples.
            offset = rank_rng.integers(1, num, size=self.steps_per_epoch)
            second = (first + offset) % num
        else:
            second = first
        return np.stack([indices[first], indices[second]], axis=1)

    def __iter__(self) -> Iterator[int]:
        shared_rng = np.random.default_rng((self.seed, self.epoch))
        rank_rng = np.random.default_rng((self.seed, self.epoch, self.rank))
        # (steps, 2, types): batch, half (B1 / B2), type.
        batches = np.stack([
            self._draw_type(self.indices_per_type[k], shared_rng, rank_rng)
            for k in self.types
        ], axis=2)
        return iter(batches.reshape(-1).tolist())

    def __len__(self) -> int:
        return self.steps_per_epoch * self.batch_size

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch (called by MMEngine's ``DistSamplerSeedHook``)."""
        self.epoch = epoch


@DATA_SAMPLERS.register_module()
class PairedTypeBatchSampler(Sampler):
    """Batches B1 + B2 of a :class:`PairedTypeSampler`, whole.

    The owner of the paired-batch contract: it yields the sampler's batches
    of ``2 * num_types`` indices and refuses at start-up any other batch
    size, so no batch can be cut across the pairs. MMEngine's
    ``Runner.build_dataloader`` builds it with the dataloader's ``sampler``
    and ``batch_size``; leave ``batch_size=None`` for the sampler's.

    Args:
        sampler (PairedTypeSampler): The paired index stream.
        batch_size (int, optional): ``None`` or ``2 * num_types``.
            Defaults to None.
    """

    def __init__(self,
                 sampler: PairedTypeSampler,
                 batch_size: Optional[int] = None):
        if not isinstance(sampler, PairedTypeSampler):
            raise TypeError(
                'PairedTypeBatchSampler needs '
                "train_dataloader.sampler=dict(type='PairedTypeSampler'), "
                f'got {type(sampler).__name__}.')
        if batch_size is not None and batch_size != sampler.batch_size:
            raise ValueError(
                f'train_dataloader.batch_size is {batch_size}, but '
                'PairedTypeBatchSampler yields batches of '
                f'{sampler.batch_size} (B1 + B2 of {sampler.batch_size // 2}'
                ' types): set train_dataloader.batch_size=None (or '
                f'{sampler.batch_size}).')
        self.sampler = sampler
        self.batch_size = sampler.batch_size

    def __iter__(self) -> Iterator[List[int]]:
        indices = list(self.sampler)
        for start in range(0, len(indices), self.batch_size):
            yield indices[start:start + self.batch_size]

    def __len__(self) -> int:
        return self.sampler.steps_per_epoch
