"""Intensity transforms of grayscale chromosome crops: stain and polarity
normalisation and contrast jitter."""
from typing import Optional, Sequence, Tuple, Union

import cv2
import mmcv
import numpy as np
from mmpretrain.registry import TRANSFORMS

from ..morphometry import foreground_mask, has_dark_background
from .base import (ChromosomeTransform, RandomChromosomeTransform,
                   check_gray_value, check_range)


@TRANSFORMS.register_module()
class NormalizeStain(ChromosomeTransform):
    """Bring a crop of any lab to one polarity and contrast: a dark
    chromosome on a white background, its darkest bands black.

    1. Polarity: a crop with a dark background (Q-band, fluorescence; see
       :func:`~mmscl.datasets.morphometry.has_dark_background`) is
       inverted, so no dataset needs an inversion flag.
    2. Contrast stretch: with ``d`` the ``dark_percentile`` of the
       chromosome's pixels and ``b`` the median of the background's, gray
       values are mapped linearly so that ``d`` becomes 0 and ``b`` 255,
       then clipped: a pale lab's crops and a dark lab's look alike, and the
       background becomes white. Crops without a clear chromosome (less
       than 8 gray levels between the two) only get step 1.

    **Required Keys:**

    - img

    **Modified Keys:**

    - img

    Args:
        invert (bool | str): ``'auto'`` inverts crops with a dark
            background, True every crop, False none. Defaults to 'auto'.
        stretch (bool): Whether to stretch the contrast. Defaults to True.
        dark_percentile (float): Percentile of the chromosome's gray values
            that becomes black. Defaults to 2.
    """

    uint8_only = True

    def __init__(self,
                 invert: Union[bool, str] = 'auto',
                 stretch: bool = True,
                 dark_percentile: float = 2.) -> None:
        if not (isinstance(invert, bool) or invert == 'auto'):
            raise ValueError(
                f"invert must be True, False or 'auto', got {invert!r}")
        if not 0. <= dark_percentile < 50.:
            raise ValueError('dark_percentile must be in [0, 50), got '
                             f'{dark_percentile!r}')
        self.invert = invert
        self.stretch = stretch
        self.dark_percentile = dark_percentile

    def transform(self, results: dict) -> dict:
        """Normalise ``results['img']``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict with the normalised image.
        """
        self.check_inputs(results)
        img = results['img']
        if self.invert is True or (self.invert == 'auto'
                                   and has_dark_background(img)):
            img = mmcv.iminvert(img)
        if self.stretch:
            img = self._stretch(img)
        results['img'] = img
        return results

    def _stretch(self, img: np.ndarray) -> np.ndarray:
        mask = foreground_mask(img)
        if not mask.any() or mask.all():
            return img
        dark = np.percentile(img[mask], self.dark_percentile)
        background = np.median(img[~mask])
        if background - dark < 8:
            return img
        values = (np.arange(256) - dark) * (255. / (background - dark))
        table = np.clip(np.rint(values), 0, 255).astype(np.uint8)
        return cv2.LUT(img, table)


@TRANSFORMS.register_module()
class RandomContrastGamma(RandomChromosomeTransform):
    """Jitter the contrast, gamma and brightness of a uint8 image while
    keeping its background at (about) its gray value.

    With ``v`` a pixel value, ``b`` the background and the factors drawn
    uniformly from their ranges, the steps are, in this order:

    - gamma ``g``: ``v = 255 * (v / 255) ** g`` (keeps 0 and 255);
    - contrast ``c``: ``v = b + c * (v - b)`` (scales the difference from
      the background, so the background does not move);
    - brightness ``d``: ``v = v + d`` (gray levels; the only step that
      shifts the background, so keep its range small),

    then rounding and clipping to 0..255 (done by a 256-entry lookup table).

    **Required Keys:**

    - img

    **Modified Keys:**

    - img

    Args:
        prob (float): Probability of applying the jitter. Defaults to 0.5.
        contrast (Sequence[float], optional): (min, max) of the contrast
            factor, above 0. None leaves contrast alone.
            Defaults to (0.7, 1.3).
        gamma (Sequence[float], optional): (min, max) of the gamma, above 0.
            None leaves gamma alone. Defaults to (0.7, 1.4).
        brightness (Sequence[float], optional): (min, max) of the gray-level
            offset. None leaves brightness alone. Defaults to (-10., 10.).
        background (int): Gray value of the background. Defaults to 255
            (white, as G-band).
    """

    uint8_only = True

    def __init__(self,
                 prob: float = 0.5,
                 contrast: Optional[Sequence[float]] = (0.7, 1.3),
                 gamma: Optional[Sequence[float]] = (0.7, 1.4),
                 brightness: Optional[Sequence[float]] = (-10., 10.),
                 background: int = 255) -> None:
        super().__init__(prob)
        check_gray_value(background, 'background')
        self.contrast = check_range(contrast, 'contrast', 0.)
        self.gamma = check_range(gamma, 'gamma', 0.)
        self.brightness = check_range(brightness, 'brightness', -256.)
        self.background = background

    def draw(self) -> Tuple[float, float, float]:
        """Draw (gamma, contrast, brightness)."""
        gamma = np.random.uniform(*self.gamma) if self.gamma else 1.
        contrast = np.random.uniform(*self.contrast) if self.contrast else 1.
        brightness = (
            np.random.uniform(*self.brightness) if self.brightness else 0.)
        return gamma, contrast, brightness

    def lookup_table(self, gamma: float, contrast: float,
                     brightness: float) -> np.ndarray:
        """The uint8 -> uint8 mapping of the given factors.

        Args:
            gamma (float): The gamma.
            contrast (float): The contrast factor about the background.
            brightness (float): The gray-level offset.

        Returns:
            np.ndarray: A (256,) uint8 table.
        """
        values = 255. * (np.arange(256) / 255.)**gamma
        values = self.background + contrast * (values - self.background)
        return np.clip(np.rint(values + brightness), 0, 255).astype(np.uint8)

    def apply(self, results: dict,
              factors: Tuple[float, float, float]) -> dict:
        """Jitter ``results['img']``.

        Args:
            results (dict): The result dict.
            factors (tuple[float]): The drawn gamma, contrast and
                brightness.

        Returns:
            dict: The result dict with the jittered image.
        """
        results['img'] = cv2.LUT(results['img'], self.lookup_table(*factors))
        return results
