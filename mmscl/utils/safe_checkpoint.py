"""Safe loading of MMEngine checkpoints with torch >= 2.6.

torch loads with ``weights_only=True`` by default, and MMEngine 0.10.7 calls
``torch.load`` without arguments, so its own checkpoints (which hold the
message hub's ``HistoryBuffer`` and numpy scalars and arrays) fail to load
or resume. Rather than turning safe loading off, we allow-list exactly the
globals those checkpoints hold. Anything else (``os.system``, ...) is still
refused by torch's restricted unpickler, before it can run.

:func:`register_local_checkpoint_loader` makes MMEngine's loader of local
files name the file when torch cannot read it (a corrupt pickle raises a
bare ``IndexError: pop from empty list``).
"""
import pickle

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader, load_from_local


# Filled in by ``HistoryBuffer.__init__`` only, so not yet at import time.
_BUILTIN_STATISTICS = ('min', 'max', 'current', 'mean')


def _history_buffer_statistic(obj, name: str):
    """Stands in for ``builtins.getattr`` while unpickling.

    The message hub pickles its statistics methods as
    ``getattr(HistoryBuffer, 'mean')``; this resolves those and nothing
    else.
    """
    statistics = set(_BUILTIN_STATISTICS) | set(
        HistoryBuffer._statistics_methods)
    if obj is HistoryBuffer and name in statistics:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'Refused getattr({obj!r}, {name!r}) while loading a checkpoint: '
        'only HistoryBuffer statistics methods are allowed.')


def checkpoint_safe_globals() -> list:
    """The globals that MMEngine / MMPretrain checkpoints hold."""
    return [
        HistoryBuffer,
        (_history_buffer_statistic, 'builtins.getattr'),
        np.ndarray,
        np.dtype,
        np._core.multiarray._reconstruct,
        np._core.multiarray.scalar,
        # numpy pickles each dtype through its class, e.g. Float64DType.
        *(type(np.dtype(code)) for code in np.typecodes['All']),
    ]


def register_checkpoint_safe_globals() -> None:
    """Allow-list the globals of MMEngine checkpoints for ``torch.load``."""
    torch.serialization.add_safe_globals(checkpoint_safe_globals())


def load_local_checkpoint(filename: str, map_location=None):
    """MMEngine's loader of local checkpoint files, naming the file when
    torch cannot read it.

    Args:
        filename (str): The checkpoint file.
        map_location: As for :func:`torch.load`.

    Returns:
        dict: The checkpoint.
    """
    try:
        return load_from_local(filename, map_location)
    except FileNotFoundError:
        raise
    except pickle.UnpicklingError as e:
        raise pickle.UnpicklingError(f'{filename}: {e}') from e
    except Exception as e:
        raise RuntimeError(
            f'{filename} cannot be loaded ({type(e).__name__}: {e}): it is '
            'truncated or corrupt, or not a torch checkpoint.') from e


def register_local_checkpoint_loader() -> None:
    """Load local checkpoints with :func:`load_local_checkpoint`."""
    CheckpointLoader.register_scheme('', load_local_checkpoint, force=True)
