"""mmscl: supervised contrastive learning for chromosome classification.

Importing the package registers its datasets, samplers, transforms, models,
metrics and hooks in MMPretrain's registries (``mmpretrain`` scope) and
allow-lists what MMEngine checkpoints hold for torch's safe loading (and
has MMEngine name a local checkpoint file that torch cannot read).
"""
from .utils import (register_checkpoint_safe_globals,
                    register_local_checkpoint_loader)
from .version import __version__

register_checkpoint_safe_globals()
register_local_checkpoint_loader()

from . import datasets, engine, evaluation, models  # noqa: E402,F401

__all__ = ['__version__']
