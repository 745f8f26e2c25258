"""Unsupervised test-time adaptation of a trained classifier to the crops
of a new lab: the statistics of its BatchNorm layers re-estimated on them
(AdaBN, Li et al. 2016), each layer only as far as its statistics shift."""
import math
import os.path as osp
from typing import Iterable, List, NamedTuple, Optional

import torch
from mmengine.logging import MMLogger
from mmengine.runner.checkpoint import save_checkpoint, weights_to_cpu
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from tqdm import tqdm

# The KL divergence between a layer's source and target statistics (mean
# over channels) at which they are blended half and half. Chosen on the
# external validation set (qband119) and gband612's validation split: it
# keeps nearly all of plain AdaBN's gain on another lab's crops while a
# layer of a lab close to the training one takes only about half of the
# target statistics (docs/crops_from_other_labs.md).
DEFAULT_SHIFT_SCALE = 0.001


class LayerShift(NamedTuple):
    """How far one BatchNorm layer was adapted.

    Args:
        name (str): The layer's name in the model.
        divergence (float): KL(target || source) of its per-channel
            Gaussians, the mean over channels.
        weight (float): The weight of the target statistics, in [0, 1].
    """
    name: str
    divergence: float
    weight: float


def gaussian_divergence(mean_t: torch.Tensor, var_t: torch.Tensor,
                        mean_s: torch.Tensor,
                        var_s: torch.Tensor) -> torch.Tensor:
    """KL(N(mean_t, var_t) || N(mean_s, var_s)) of each channel, (C, )."""
    ratio = var_t / var_s
    return 0.5 * ((mean_t - mean_s)**2 / var_s + ratio - 1 - ratio.log())


def batchnorm_layers(model: nn.Module) -> List[tuple]:
    """The (name, layer) of every BatchNorm layer that tracks statistics."""
    return [(name, m) for name, m in model.named_modules()
            if isinstance(m, _BatchNorm) and m.track_running_stats]


def check_shift_scale(shift_scale: Optional[float]) -> None:
    """Raise ValueError unless ``shift_scale`` is None or a finite number
    of at least 0 (a negative one gives the target a weight outside
    [0, 1], and the adapted statistics no longer hold)."""
    if shift_scale is not None and not (
            isinstance(shift_scale, (int, float))
            and not isinstance(shift_scale, bool)
            and math.isfinite(shift_scale) and shift_scale >= 0):
        raise ValueError(
            'The shift scale of --adapt (adapt_batchnorm, '
            'AdaptBatchNormHook) must be a number of at least 0 (0: plain '
            f'AdaBN), got {shift_scale!r}.')


@torch.no_grad()
def adapt_batchnorm(model: nn.Module,
                    batches: Iterable[dict],
                    shift_scale: Optional[float] = DEFAULT_SHIFT_SCALE,
                    progress: bool = True) -> List[LayerShift]:
    """Re-estimate the BatchNorm statistics of ``model`` on target data.

    Every BatchNorm layer's mean and variance are measured over all target
    crops, each crop weighing the same (labels are not read), and blended
    with the trained ones: the target's weight is ``d / (d + shift_scale)``
    where ``d`` is the mean KL divergence of the layer's target from its
    source statistics, so a layer whose statistics barely shift (a lab
    close to the training one) keeps its own, and one that shifts far takes
    the target's. Two passes over the batches: the first normalises each
    batch by its own statistics (AdaBN), the second runs the network as at
    test with the first pass's statistics and measures them again, so that
    they hardly depend on the batch size. Nothing else of the model
    changes. Models without BatchNorm (LayerNorm ones: Swin,
    ViT, DaViT normalise each sample by itself) are left as they are.

    Args:
        model (nn.Module): A classifier with a ``data_preprocessor``
            (MMPretrain's ``ImageClassifier``).
        batches (Iterable[dict]): Batches of the target crops as a
            dataloader gives them (``inputs``, ``data_samples``); iterable
            twice (a dataloader or a list, not a generator).
        shift_scale (float, optional): The divergence at which target and
            source weigh the same; 0 or None takes the target statistics
            alone (plain AdaBN). Defaults to :data:`DEFAULT_SHIFT_SCALE`.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        list[LayerShift]: Each layer's divergence and target weight.
    """
    check_shift_scale(shift_scale)
    if iter(batches) is batches:
        raise TypeError(
            'adapt_batchnorm: batches must be iterable twice (a dataloader '
            f'or a list), got the one-pass {type(batches).__name__}.')
    layers = batchnorm_layers(model)
    logger = MMLogger.get_current_instance()
    if not layers:
        logger.warning(
            f'adapt_batchnorm: {type(model).__name__} has no BatchNorm layer '
            '(LayerNorm models normalise each sample by itself), so there '
            'are no statistics to adapt; it is tested as trained.')
        return []
    source = {name: (m.running_mean.clone(), m.running_var.clone(),
                     m.momentum, m.num_batches_tracked.clone())
              for name, m in layers}
    was_training = model.training
    model.eval()
    try:
        # Pass 1 (AdaBN): each batch normalised by its own statistics on
        # the way, which depend on the batch size.
        for _, layer in layers:
            layer.train()
        target, lone_batches = _input_statistics(
            model, layers, batches, progress, 'batch statistics')
        _blend(layers, source, target, shift_scale)
        # Pass 2: the network as it runs at test, with pass 1's statistics,
        # so each layer's are those of the inputs it will see.
        target, _ = _input_statistics(model, layers, batches, progress,
                                      'as at test')
        shifts = _blend(layers, source, target, shift_scale)
    except BaseException:
        for name, layer in layers:
            _restore(layer, *source[name])
        model.train(was_training)
        raise
    model.train(was_training)
    if lone_batches:
        logger.warning(
            f'adapt_batchnorm: {lone_batches} batch(es) of one crop left out '
            'of the statistics (a crop alone is normalised by itself).')
    least = min(shifts, key=lambda s: s.weight)
    most = max(shifts, key=lambda s: s.weight)
    logger.info(
        f'adapt_batchnorm: {len(shifts)} BatchNorm layers re-estimated '
        f'(shift_scale {shift_scale}); weight of the target statistics '
        f'{sum(s.weight for s in shifts) / len(shifts):.2f} on average, '
        f'{least.weight:.2f} in {least.name}, {most.weight:.2f} in '
        f'{most.name}.')
    return shifts


def _input_statistics(model: nn.Module, layers: List[tuple],
                      batches: Iterable[dict], progress: bool,
                      stage: str) -> tuple:
    """One pass over the batches: the mean and variance of every layer's
    input over all crops, and the number of batches of one crop left out
    (one crop would be normalised by itself in pass 1, and has one value
    per channel where a map is 1x1)."""
    moments = {name: _ChannelMoments(m.running_mean) for name, m in layers}
    hooks = [layer.register_forward_pre_hook(moments[name].add)
             for name, layer in layers]
    lone_batches = used = 0
    try:
        for batch in tqdm(batches,
                          desc=f'Adapting BatchNorm statistics ({stage})',
                          unit='batch', disable=not progress):
            data = model.data_preprocessor(batch, False)
            if len(data['inputs']) < 2:
                lone_batches += 1
                continue
            model(data['inputs'], mode='tensor')
            used += 1
    finally:
        for hook in hooks:
            hook.remove()
    if not used:
        raise ValueError(
            'adapt_batchnorm: no batch of 2 crops or more: BatchNorm '
            'statistics need several crops a batch (use a batch size of '
            'at least 2).')
    return ({name: m.mean_and_variance() for name, m in moments.items()},
            lone_batches)


def _blend(layers: List[tuple], source: dict, target: dict,
           shift_scale: Optional[float]) -> List[LayerShift]:
    """Set every layer's statistics to its source ones blended with the
    target's by how far they differ, in eval mode."""
    shifts = []
    for name, layer in layers:
        mean_s, var_s = source[name][:2]
        mean_t, var_t = target[name]
        divergence = gaussian_divergence(
            mean_t, var_t.clamp_min(layer.eps), mean_s,
            var_s.clamp_min(layer.eps)).mean().item()
        weight = (1. if not shift_scale else divergence /
                  (divergence + shift_scale))
        _restore(layer, torch.lerp(mean_s, mean_t, weight),
                 torch.lerp(var_s, var_t, weight), *source[name][2:])
        shifts.append(LayerShift(name, divergence, weight))
    return shifts


class _ChannelMoments:
    """The per-channel mean and unbiased variance of all values a
    BatchNorm layer receives: every crop weighs the same (a mean of batch
    statistics would weigh a short last batch as a whole one, and leave
    out how the batches' means differ).

    Args:
        shift (torch.Tensor): A per-channel value near the mean (the
            layer's source mean), subtracted before summing so that the
            float32 sums of squares keep their precision.
    """

    def __init__(self, shift: torch.Tensor):
        self.shift = shift.clone()
        self.count = 0
        self.total = torch.zeros_like(shift, dtype=torch.float64)
        self.squares = torch.zeros_like(shift, dtype=torch.float64)

    def add(self, _layer: nn.Module, inputs: tuple) -> None:
        """A forward pre-hook: add the values of a layer's input."""
        # (N, C, *) -> (C, N * prod(*)): the values of each channel.
        values = inputs[0].transpose(0, 1).flatten(1)
        centred = values.float() - self.shift[:, None]
        self.count += values.shape[1]
        self.total += centred.sum(1).double()
        self.squares += centred.square().sum(1).double()

    def mean_and_variance(self) -> tuple:
        """The mean and unbiased variance (as BatchNorm keeps), (C, )."""
        mean = self.total / self.count
        variance = (self.squares / self.count - mean.square()) * (
            self.count / max(self.count - 1, 1))
        return ((mean + self.shift).to(self.shift.dtype),
                variance.clamp_min(0).to(self.shift.dtype))


def _restore(layer: _BatchNorm, mean: torch.Tensor, var: torch.Tensor,
             momentum: Optional[float], tracked: torch.Tensor) -> None:
    """Set a layer's statistics and settings, in eval mode."""
    layer.running_mean.copy_(mean)
    layer.running_var.copy_(var)
    layer.momentum = momentum
    layer.num_batches_tracked.copy_(tracked)
    layer.eval()


def save_adapted(model: nn.Module, path: str, **meta) -> None:
    """Write a model's (adapted) weights to a new checkpoint file.

    Args:
        model (nn.Module): The model.
        path (str): The checkpoint file; an existing one is refused.
        **meta: What the ``meta`` of the checkpoint records.
    """
    if osp.exists(path):
        raise FileExistsError(f'{path} exists; give a new file for the '
                              'adapted weights.')
    save_checkpoint(
        dict(state_dict=weights_to_cpu(model.state_dict()), meta=meta), path)
    MMLogger.get_current_instance().info(
        f'Wrote the adapted weights to {path}')
