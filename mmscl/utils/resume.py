"""Choosing the checkpoint that auto-resume starts from.

MMEngine's auto-resume loads the checkpoint named in the work dir's
``last_checkpoint`` file; if that file was cut short (the job was killed
while saving it, the disk filled up), resuming fails. Here the newest
intact checkpoint is chosen instead, with a warning naming both.
"""
import glob
import os.path as osp
import re
import zipfile
from typing import List, Optional

from mmengine.logging import print_log
from mmengine.runner.checkpoint import find_latest_checkpoint

# The names MMEngine's CheckpointHook gives the checkpoints it saves.
_SAVED_CHECKPOINT = re.compile(r'(?:iter|epoch)_(\d+)\.pth')


def is_intact_checkpoint(path: str) -> bool:
    """Whether ``path`` is a whole torch checkpoint.

    torch saves a zip archive whose index is written last, so a file cut
    short has none; this reads the index, not the tensors.

    Args:
        path (str): The checkpoint file.

    Returns:
        bool: False for a missing, truncated or non-zip file.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            return any(
                name.endswith('/data.pkl') for name in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def _saved_checkpoints(work_dir: str) -> List[str]:
    """The checkpoints of ``work_dir`` saved by the CheckpointHook, the
    newest (highest iteration or epoch) first."""
    numbered = []
    for path in glob.glob(osp.join(work_dir, '*.pth')):
        match = _SAVED_CHECKPOINT.fullmatch(osp.basename(path))
        if match:
            numbered.append((int(match[1]), path))
    return [path for _, path in sorted(numbered, reverse=True)]


def find_resumable_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint to auto-resume from: the one ``last_checkpoint``
    names if it is intact, else the newest intact one (with a warning
    naming both).

    Args:
        work_dir (str): The work dir of the run.

    Returns:
        str, optional: The checkpoint, or None when the work dir holds
        none (a fresh start).
    """
    latest = find_latest_checkpoint(work_dir)
    candidates = [latest] if latest else []
    candidates += [
        path for path in _saved_checkpoints(work_dir)
        if not latest or osp.abspath(path) != osp.abspath(latest)
    ]
    broken = []
    for path in candidates:
        if is_intact_checkpoint(path):
            if broken:
                print_log(
                    f'Auto-resume: {broken[0]} is truncated or corrupt '
                    f'(not a whole zip archive); resuming from {path}, the '
                    'newest intact checkpoint, instead.',
                    logger='current',
                    level=30)
            return path
        broken.append(path)
    if broken:
        raise RuntimeError(
            f'Auto-resume: no intact checkpoint in {work_dir}; '
            f'{", ".join(broken)} are truncated or corrupt. Move them away '
            'to start afresh, or give --resume PATH.')
    return None
