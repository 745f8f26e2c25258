from unittest import mock

import numpy as np
import pytest

from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmscl.datasets import (CHROMOSOME_CATEGORIES, PairedTypeBatchSampler,
                            PairedTypeSampler)

MODULE = 'mmscl.datasets.samplers.paired_type'


class LabelDataset:
    """The part of a dataset the sampler reads."""

    metainfo = dict(classes=CHROMOSOME_CATEGORIES)

    def __init__(self, labels):
        self.labels = list(labels)

    def __len__(self):
        return len(self.labels)

    def get_data_info(self, idx):
        return dict(gt_label=self.labels[idx])

    def __getitem__(self, idx):
        return idx


def chromosome_labels(per_type=10, num_y=1):
    """per_type samples of each autosome and X, num_y of Y, shuffled."""
    labels = [k for k in range(23) for _ in range(per_type)] + [23] * num_y
    return np.random.default_rng(0).permutation(labels).tolist()


def batches(sampler):
    indices = list(sampler)
    assert len(indices) == len(sampler)
    return np.array(indices).reshape(-1, 2, sampler.batch_size // 2)


def build(labels, rank=0, world_size=1, **kwargs):
    with mock.patch(f'{MODULE}.get_dist_info',
                    return_value=(rank, world_size)):
        return PairedTypeSampler(LabelDataset(labels), seed=7, **kwargs)


def test_batches_are_paired_and_in_type_order():
    labels = np.array(chromosome_labels())
    sampler = build(labels, steps_per_epoch=30)
    assert sampler.batch_size == 48 and len(sampler) == 30 * 48
    for batch in batches(sampler):
        assert labels[batch[0]].tolist() == list(range(24))
        assert labels[batch[1]].tolist() == list(range(24))
        # Instance pairing: another crop of the type, if it has another.
        assert (batch[0, :23] != batch[1, :23]).all()
        # Y has a single crop: it is drawn again and again.
        assert batch[0, 23] == batch[1, 23]


def test_view_mode_pairs_a_crop_with_itself():
    sampler = build(chromosome_labels(), steps_per_epoch=5, pair_mode='view')
    for batch in batches(sampler):
        assert (batch[0] == batch[1]).all()


def test_every_crop_is_seen_before_any_repeats():
    labels = np.array(chromosome_labels(per_type=10))
    sampler = build(labels, steps_per_epoch=10)
    first_halves = batches(sampler)[:, 0, :23]  # (steps, types)
    for k in range(23):
        assert sorted(first_halves[:, k]) == sorted(
            np.flatnonzero(labels == k))


def test_default_epoch_is_one_pass():
    sampler = build(chromosome_labels(per_type=10))
    assert sampler.steps_per_epoch == (23 * 10 + 1) // 48


def test_deterministic_resumable_and_epoch_dependent():
    labels = chromosome_labels()
    a, b = build(labels, steps_per_epoch=4), build(labels, steps_per_epoch=4)
    assert list(a) == list(b)
    a.set_epoch(3)
    b.set_epoch(3)
    assert list(a) == list(b)
    stream_epoch3 = list(a)
    a.set_epoch(4)
    assert list(a) != stream_epoch3


def test_ranks_draw_different_samples():
    labels = np.array(chromosome_labels(per_type=20))
    streams = [batches(build(labels, rank=r, world_size=2,
                             steps_per_epoch=10)) for r in range(2)]
    for k in range(23):
        rank0 = set(streams[0][:, 0, k])
        rank1 = set(streams[1][:, 0, k])
        # 2 ranks x 10 steps = one pass over the 20 crops of the type.
        assert not rank0 & rank1
        assert len(rank0 | rank1) == 20
    for stream in streams:
        assert (labels[stream[:, 0]] == np.arange(24)).all()


def test_empty_type_is_an_error_or_left_out():
    labels = [k for k in range(23) for _ in range(3)]  # no Y
    with pytest.raises(ValueError, match=r"type\(s\) \['Y'\]"):
        build(labels)
    sampler = build(labels, skip_empty_types=True, steps_per_epoch=2)
    assert sampler.batch_size == 46
    for batch in batches(sampler):
        assert np.array(labels)[batch[0]].tolist() == list(range(23))


def test_bad_settings():
    with pytest.raises(ValueError, match='pair_mode'):
        build(chromosome_labels(), pair_mode='random')
    with pytest.raises(ValueError, match='steps_per_epoch'):
        build(chromosome_labels(), steps_per_epoch=0)


def previous_layout(labels, seed, steps, rank=0, world_size=1, epoch=0):
    """A transcription of the sampler's stream as the hook-checked configs
    consumed it: (steps, 2, types) indices, cut into batches of 48."""
    labels = np.array(labels)
    shared_rng = np.random.default_rng((seed, epoch))
    rank_rng = np.random.default_rng((seed, epoch, rank))
    per_type = []
    for k in range(24):
        indices = np.flatnonzero(labels == k)
        total = steps * world_size
        passes = [shared_rng.permutation(len(indices))
                  for _ in range(-(-total // len(indices)))]
        first = np.concatenate(passes)[rank:total:world_size]
        second = first
        if len(indices) > 1:
            second = (first + rank_rng.integers(1, len(indices), steps)) % \
                len(indices)
        per_type.append(np.stack([indices[first], indices[second]], 1))
    return np.stack(per_type, axis=2).reshape(steps, 48).tolist()


def build_batches(labels, rank=0, world_size=1, batch_size=None, **kwargs):
    sampler = build(labels, rank=rank, world_size=world_size, **kwargs)
    return PairedTypeBatchSampler(sampler, batch_size=batch_size)


@pytest.mark.parametrize('rank', [0, 1])
def test_batches_are_the_previous_layout(rank):
    labels = chromosome_labels(per_type=7)
    batch_sampler = build_batches(labels, rank=rank, world_size=2,
                                  steps_per_epoch=5)
    assert len(batch_sampler) == 5
    batch_sampler.sampler.set_epoch(2)
    assert list(batch_sampler) == previous_layout(
        labels, seed=7, steps=5, rank=rank, world_size=2, epoch=2)


def test_batch_sampler_validates_its_size():
    labels = chromosome_labels()
    assert build_batches(labels, batch_size=48).batch_size == 48
    with pytest.raises(ValueError, match=r'batch_size is 32.*batch_size=None'):
        build_batches(labels, batch_size=32)
    no_y = [k for k in range(23) for _ in range(3)]
    batch_sampler = build_batches(no_y, skip_empty_types=True,
                                  steps_per_epoch=2)
    assert [len(b) for b in batch_sampler] == [46, 46]
    with pytest.raises(TypeError, match='PairedTypeSampler'):
        PairedTypeBatchSampler(range(48))


def test_mmengine_builds_the_paired_dataloader():
    """Runner.build_dataloader passes the config's batch_size (None) to the
    batch sampler; the loader yields whole B1 + B2 batches."""
    init_default_scope('mmpretrain')
    labels = np.array(chromosome_labels())
    loader = Runner.build_dataloader(
        dict(dataset=LabelDataset(labels), batch_size=None,
             sampler=dict(type='PairedTypeSampler', steps_per_epoch=3),
             batch_sampler=dict(type='PairedTypeBatchSampler')),
        seed=7)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    for batch in batches:
        assert labels[batch].tolist() == list(range(24)) * 2
    with pytest.raises(ValueError, match='batch_size is 47'):
        Runner.build_dataloader(
            dict(dataset=LabelDataset(labels), batch_size=47,
                 sampler=dict(type='PairedTypeSampler'),
                 batch_sampler=dict(type='PairedTypeBatchSampler')))
