"""Choosing the checkpoint that auto-resume starts from.

MMEngine's auto-resume loads the checkpoint named in the work dir's
``last_checkpoint`` file; if that file was cut short (the job was killed
while saving it, the disk filled up) or its pickle is corrupt, resuming
fails. Here the newest intact checkpoint is chosen instead, with a warning
naming both. A run killed while saving leaves ``last_checkpoint`` naming
the checkpoint before the one cut short: that one is resumed, and the cut
one named the same way.
"""
import glob
import os.path as osp
import re
import zipfile
from typing import List, Optional, Tuple

import torch
from mmengine.logging import print_log
from mmengine.runner.checkpoint import find_latest_checkpoint

# The names MMEngine's CheckpointHook gives the checkpoints it saves.
_SAVED_CHECKPOINT = re.compile(r'(?:iter|epoch)_(\d+)\.pth')


def checkpoint_fault(path: str) -> Optional[str]:
    """What keeps ``path`` from loading as a torch checkpoint, if anything.

    torch saves a zip archive whose index is written last, so a file cut
    short has none; the pickle is then read (memory-mapped, without
    reading the tensors), which finds a corrupt one.

    Args:
        path (str): The checkpoint file.

    Returns:
        str, optional: None for a whole checkpoint, else the fault, e.g.
        ``'not a whole zip archive'``.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            if not any(name.endswith('/data.pkl')
                       for name in archive.namelist()):
                return 'no data.pkl in its zip archive'
    except (OSError, zipfile.BadZipFile):
        return 'not a whole zip archive'
    try:
        torch.load(path, map_location='cpu', mmap=True)
    except Exception as e:  # whatever torch raises on a corrupt pickle
        return f'its pickle does not load: {type(e).__name__}: {e}'
    return None


def _saved_checkpoints(work_dir: str) -> List[Tuple[int, str]]:
    """The checkpoints of ``work_dir`` saved by the CheckpointHook with
    their steps, the newest (highest iteration or epoch) first."""
    numbered = []
    for path in glob.glob(osp.join(work_dir, '*.pth')):
        match = _SAVED_CHECKPOINT.fullmatch(osp.basename(path))
        if match:
            numbered.append((int(match[1]), path))
    return sorted(numbered, reverse=True)


def _faulty_checkpoints_after(work_dir: str,
                              path: str) -> List[Tuple[str, str]]:
    """The saved checkpoints of a later step than ``path`` that do not
    load, with their faults (none if ``path`` is not a saved one)."""
    match = _SAVED_CHECKPOINT.fullmatch(osp.basename(path))
    if not match:
        return []
    return [(later, fault) for step, later in _saved_checkpoints(work_dir)
            if step > int(match[1])
            and (fault := checkpoint_fault(later)) is not None]


def find_resumable_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint to auto-resume from: the one ``last_checkpoint``
    names if it is intact, else the newest intact one, with a warning
    naming both; also when a later saved checkpoint is truncated or
    corrupt (cut short by a kill while saving).

    Args:
        work_dir (str): The work dir of the run.

    Returns:
        str, optional: The checkpoint, or None when the work dir holds
        none (a fresh start).
    """
    latest = find_latest_checkpoint(work_dir)
    candidates = [latest] if latest else []
    candidates += [
        path for _, path in _saved_checkpoints(work_dir)
        if not latest or osp.abspath(path) != osp.abspath(latest)
    ]
    broken = []
    for path in candidates:
        fault = checkpoint_fault(path)
        if fault is None:
            broken = broken or _faulty_checkpoints_after(work_dir, path)
            if broken:
                print_log(
                    f'Auto-resume: {broken[0][0]} is truncated or corrupt '
                    f'({broken[0][1]}); resuming from {path}, the newest '
                    'intact checkpoint, instead.',
                    logger='current',
                    level=30)
            return path
        broken.append((path, fault))
    if broken:
        raise RuntimeError(
            f'Auto-resume: no intact checkpoint in {work_dir}; '
            f'{", ".join(path for path, _ in broken)} are truncated or '
            f'corrupt ({broken[0][1]}, ...). Move them away to start '
            'afresh, or give --resume PATH.')
    return None
