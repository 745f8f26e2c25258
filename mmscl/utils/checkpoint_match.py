"""How much of a model a checkpoint holds, checked before it is loaded.

MMEngine loads checkpoints non-strictly: a file of another model (or none at
all, ``torch.save({'foo': t})``) loads "successfully" with a list of missing
keys, and the untrained model is tested or trained on. Here the tensors a
checkpoint holds for the model (same name, same shape) are counted, and a
checkpoint that holds too few is refused, naming the counts.
"""
import re
from dataclasses import dataclass, field
from typing import List, Tuple

import torch
from mmengine.config import Config
from mmengine.runner import CheckpointLoader, load_state_dict
from torch import nn

# As MMEngine's loaders revise the keys of a checkpoint (DDP's prefix).
REVISE_KEYS = [(r'^module\.', '')]
DEFAULT_MIN_LOADED_FRACTION = 0.5
EXAMPLES = 3


@dataclass
class CheckpointMatch:
    """The tensors of a model found in a checkpoint.

    Args:
        total (int): Tensors of the model (parameters and buffers).
        loaded (int): Of them, found in the checkpoint with their shape.
        missing (list[str]): Those absent from the checkpoint.
        mismatched (list[tuple]): ``(name, checkpoint shape, model shape)``
            of those found with another shape.
        has_state_dict (bool): Whether the checkpoint has a ``state_dict``
            (else MMEngine reads the checkpoint itself as one).
        keys (list[str]): The checkpoint's top-level keys.
    """
    total: int
    loaded: int
    missing: List[str] = field(default_factory=list)
    mismatched: List[Tuple[str, tuple, tuple]] = field(default_factory=list)
    has_state_dict: bool = True
    keys: List[str] = field(default_factory=list)

    def differences(self) -> str:
        """The missing and mismatched tensors, counted, a few named."""
        parts = []
        if self.missing:
            parts.append(f'{len(self.missing)} missing (e.g. '
                         f'{", ".join(self.missing[:EXAMPLES])})')
        if self.mismatched:
            shapes = '; '.join(
                f'{name}: {tuple(ckpt)} in the checkpoint, {tuple(model)} '
                'in the model'
                for name, ckpt, model in self.mismatched[:EXAMPLES])
            parts.append(f'{len(self.mismatched)} of another shape (e.g. '
                         f'{shapes})')
        return ', '.join(parts)


def _state_dict(checkpoint: dict) -> dict:
    """The state dict of a checkpoint, its keys revised as MMEngine does."""
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state_dict, dict):
        state_dict = checkpoint
    revised = {}
    for key, value in state_dict.items():
        for pattern, replacement in REVISE_KEYS:
            key = re.sub(pattern, replacement, str(key))
        revised[key] = value
    return revised


def match_checkpoint(model: nn.Module, checkpoint: dict) -> CheckpointMatch:
    """Count the tensors of ``model`` that ``checkpoint`` holds.

    Args:
        model (nn.Module): The model (not wrapped).
        checkpoint (dict): A loaded checkpoint, with a ``state_dict`` or
            itself one, as MMEngine reads them.

    Returns:
        CheckpointMatch: The counts.
    """
    revised = _state_dict(checkpoint)
    match = CheckpointMatch(
        total=0, loaded=0,
        has_state_dict=isinstance(checkpoint.get('state_dict'), dict),
        keys=[str(key) for key in checkpoint])
    for name, tensor in model.state_dict().items():
        match.total += 1
        found = revised.get(name)
        if not isinstance(found, torch.Tensor):
            match.missing.append(name)
        elif found.shape != tensor.shape:
            match.mismatched.append((name, found.shape, tensor.shape))
        else:
            match.loaded += 1
    return match


def check_checkpoint(
        model: nn.Module,
        checkpoint: dict,
        source: str,
        min_loaded_fraction: float = DEFAULT_MIN_LOADED_FRACTION,
        exact: bool = False) -> str:
    """Refuse a checkpoint that holds too little of ``model``.

    Args:
        model (nn.Module): The model (not wrapped).
        checkpoint (dict): The loaded checkpoint.
        source (str): Where it came from, for the messages.
        min_loaded_fraction (float): The least fraction of the model's
            tensors the checkpoint must hold. Defaults to 0.5.
        exact (bool): Refuse any missing or mismatched tensor (resuming,
            whose optimizer state needs the very model). Defaults to False.

    Returns:
        str: What loads, ``'... loaded 122 of 122 tensors ...'``.

    Raises:
        ValueError: Naming the counts and a few differences.
    """
    match = match_checkpoint(model, checkpoint)
    summary = (f'{source}: {match.loaded} of the model\'s {match.total} '
               'tensors found in the checkpoint')
    differences = match.differences()
    if exact and differences:
        raise ValueError(
            f'{summary}; resuming needs them all, with their shapes: '
            f'{differences}. Was the model changed (num_classes, the '
            'backbone) since the run saved it? Resume with the config it '
            'ran, or start from it with load_from (no --resume).')
    if match.loaded < min_loaded_fraction * match.total:
        if not match.has_state_dict:
            differences += (f'; it has no state_dict, only the keys '
                            f'{match.keys[:EXAMPLES * 2]}')
        raise ValueError(
            f'{summary} ({differences}): it is not a checkpoint of this '
            f'model (fewer than {min_loaded_fraction:.0%} match). Give a '
            'checkpoint of this config, or, to load part of it on purpose, '
            'lower default_hooks.checkpoint_match.min_loaded_fraction.')
    return summary + (f' and loaded; {differences} left as initialised.'
                      if differences else ' and loaded.')


def configured_min_loaded_fraction(cfg: Config) -> float:
    """The config's ``default_hooks.checkpoint_match.min_loaded_fraction``
    (:class:`~mmscl.engine.hooks.CheckpointMatchHook`), for tools that load
    a checkpoint without a runner."""
    hook = (cfg.get('default_hooks') or {}).get('checkpoint_match') or {}
    return hook.get('min_loaded_fraction', DEFAULT_MIN_LOADED_FRACTION)


def load_checked_checkpoint(model: nn.Module, filename: str,
                            min_loaded_fraction: float) -> str:
    """Load a checkpoint into ``model`` once :func:`check_checkpoint`
    passes it.

    Args:
        model (nn.Module): The model.
        filename (str): The checkpoint file.
        min_loaded_fraction (float): As for :func:`check_checkpoint`.

    Returns:
        str: What was loaded, as :func:`check_checkpoint` says it.
    """
    checkpoint = CheckpointLoader.load_checkpoint(filename, 'cpu')
    summary = check_checkpoint(model, checkpoint, filename,
                               min_loaded_fraction)
    load_state_dict(model, _state_dict(checkpoint))
    return summary
