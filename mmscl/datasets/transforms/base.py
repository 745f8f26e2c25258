"""The skeleton of mmscl's transforms: the checks of their arguments, the
uint8 guard, the probability and the random draw, and a repr of the
settings."""
import inspect
from typing import Any, Optional, Sequence, Tuple

import numpy as np
from mmcv.image.geometric import cv2_interp_codes
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness


def check_gray_value(value: int, name: str) -> None:
    """Raise unless ``value`` is a gray value (0..255)."""
    if not 0 <= value <= 255:
        raise ValueError(f'{name} must be a gray value in 0..255, got {value}')


def check_interpolation(interpolation: str) -> None:
    """Raise unless ``interpolation`` is one of ``mmcv.imresize``'s."""
    if interpolation not in cv2_interp_codes:
        raise ValueError(f'interpolation must be one of '
                         f'{list(cv2_interp_codes)}, got {interpolation!r}')


def check_range(value: Optional[Sequence[float]], name: str,
                lower: float) -> Optional[Tuple[float, float]]:
    """Check a (min, max) sampling range whose values must exceed
    ``lower``; None disables the jitter."""
    if value is None:
        return None
    if len(value) != 2 or not lower < value[0] <= value[1]:
        raise ValueError(f'{name} must be None or a (min, max) pair with '
                         f'{lower} < min <= max, got {value}')
    return float(value[0]), float(value[1])


def require_ref_length(results: dict, transform: str, hint: str) -> None:
    """Raise unless ``results`` holds the crop's reference length.

    Args:
        results (dict): The result dict.
        transform (str): The transform that needs it, for the message.
        hint (str): What else than a dataset with ``length_reference`` set
            would do, for the message ('' for nothing).
    """
    if 'ref_length' not in results:
        raise KeyError(f'{transform} needs the crop\'s ref_length '
                       f'({results.get("img_path")}): use ChromosomeDataset '
                       f'with length_reference set{hint}.')


class ChromosomeTransform(BaseTransform):
    """A transform whose repr lists its ``__init__`` arguments, each stored
    in the attribute of its name, and which may take uint8 images only.

    Subclasses call :meth:`check_inputs` first in ``transform``.
    """

    #: Whether the transform raises on images other than uint8.
    uint8_only = False

    def check_inputs(self, results: dict) -> None:
        """Raise if ``results`` cannot be transformed.

        Args:
            results (dict): The result dict.
        """
        if self.uint8_only and results['img'].dtype != np.uint8:
            img = results['img']
            raise TypeError(f'{self.__class__.__name__} needs a uint8 image, '
                            f'got {img.dtype} ({results.get("img_path")})')

    def __repr__(self) -> str:
        names = list(inspect.signature(type(self).__init__).parameters)[1:]
        settings = ', '.join(f'{name}={getattr(self, name)!r}'
                             for name in names)
        return f'{self.__class__.__name__}({settings})'


class RandomChromosomeTransform(ChromosomeTransform):
    """A transform applied with probability ``prob``, with settings drawn
    at random each time (in the manner of MMPretrain's
    ``BaseAugTransform``).

    ``transform`` checks the inputs, then draws whether to apply and the
    settings (under ``cache_randomness``, so that ``KeyMapper`` and
    ``TransformBroadcaster`` can share one draw): first a uniform number
    against ``prob``, then :meth:`draw`; then, if applied, calls
    :meth:`apply` with the settings.

    Args:
        prob (float): Probability of applying the transform, in [0, 1].
    """

    def __init__(self, prob: float) -> None:
        if not 0. <= prob <= 1.:
            raise ValueError(f'{self.__class__.__name__}: prob must be in '
                             f'[0, 1], got {prob}')
        self.prob = prob

    @cache_randomness
    def random_params(self) -> Optional[Any]:
        """Draw the settings, or None to leave the input as it is."""
        if np.random.rand() >= self.prob:
            return None
        return self.draw()

    def draw(self) -> Any:
        """Draw the settings of one application (not None)."""
        raise NotImplementedError

    def apply(self, results: dict, params: Any) -> dict:
        """Transform ``results`` with the drawn settings.

        Args:
            results (dict): The result dict.
            params: What :meth:`draw` returned.

        Returns:
            dict: The transformed result dict.
        """
        raise NotImplementedError

    def transform(self, results: dict) -> dict:
        """Check, draw and maybe apply.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict, transformed with probability ``prob``.
        """
        self.check_inputs(results)
        params = self.random_params()
        if params is None:
            return results
        return self.apply(results, params)
