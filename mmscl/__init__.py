"""mmscl: supervised contrastive learning for chromosome classification.

Importing the package registers its datasets, samplers, transforms, models,
metrics and hooks in MMPretrain's registries (``mmpretrain`` scope) and
allow-lists what MMEngine checkpoints hold for torch's safe loading.
"""
from .utils import register_checkpoint_safe_globals
from .version import __version__

register_checkpoint_safe_globals()

from . import datasets, engine, evaluation, models  # noqa: E402,F401

__all__ = ['__version__']
