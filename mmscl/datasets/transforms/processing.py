"""Geometric and intensity transforms for grayscale chromosome crops."""
from typing import Optional, Sequence, Tuple, Union

import cv2
import mmcv
import numpy as np
from mmcv.image.geometric import cv2_interp_codes
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmpretrain.registry import TRANSFORMS


def _check_gray_value(value: int, name: str) -> None:
    if not 0 <= value <= 255:
        raise ValueError(f'{name} must be a gray value in 0..255, got {value}')


def _check_interpolation(interpolation: str) -> None:
    if interpolation not in cv2_interp_codes:
        raise ValueError(f'interpolation must be one of '
                         f'{list(cv2_interp_codes)}, got {interpolation!r}')


def _check_range(value: Optional[Sequence[float]], name: str,
                 lower: float) -> Optional[Tuple[float, float]]:
    """Check a (min, max) sampling range whose values must exceed
    ``lower``; None disables the jitter."""
    if value is None:
        return None
    if len(value) != 2 or not lower < value[0] <= value[1]:
        raise ValueError(f'{name} must be None or a (min, max) pair with '
                         f'{lower} < min <= max, got {value}')
    return float(value[0]), float(value[1])


@TRANSFORMS.register_module()
class Letterbox(BaseTransform):
    """Place a crop on a fixed square canvas, then resize the canvas.

    The crop is centred on a ``canvas_size`` x ``canvas_size`` canvas
    filled with ``background``. Only crops that do not fit are shrunk (with
    their aspect ratio kept), so in a dataset whose crops fit, every crop
    keeps the same pixel scale and a chromosome's length in pixels stays a
    cue of its type, unlike stretching each crop to the model's input size.
    The canvas is then resized to ``scale`` x ``scale``.

    ``canvas_size`` is a per-dataset setting, since each lab images at its
    own pixel scale: e.g. 176 for the gband612 crops (the longest is 163 px
    and the longest diagonal 169 px, so none is shrunk and none is cut by a
    later :class:`RandomRotate`), 256 for OGH-Fudan and 300 for ChrmNet
    (already on canvases of that size). Images larger than the canvas, such
    as whole canvases from another set, are shrunk to fit.

    **Required Keys:**

    - img

    **Modified Keys:**

    - img
    - img_shape

    **Added Keys:**

    - scale_factor: (w_scale, h_scale) from the input to the output image.

    Args:
        canvas_size (int): Side of the square canvas, in input pixels.
        scale (int): Side of the output image. Defaults to 224.
        background (int): Gray value of the canvas. Defaults to 255 (white,
            as G-band); use 0 for Q-band crops that are not inverted.
        interpolation (str): Interpolation of the resizes, one of
            ``mmcv.imresize``'s: 'nearest', 'bilinear', 'bicubic', 'area',
            'lanczos'. Defaults to 'bilinear'.
    """

    def __init__(self,
                 canvas_size: int,
                 scale: int = 224,
                 background: int = 255,
                 interpolation: str = 'bilinear') -> None:
        if not (isinstance(canvas_size, int) and canvas_size > 0):
            raise ValueError(
                f'canvas_size must be a positive int, got {canvas_size!r}')
        if not (isinstance(scale, int) and scale > 0):
            raise ValueError(f'scale must be a positive int, got {scale!r}')
        _check_gray_value(background, 'background')
        _check_interpolation(interpolation)
        self.canvas_size = canvas_size
        self.scale = scale
        self.background = background
        self.interpolation = interpolation

    def transform(self, results: dict) -> dict:
        """Letterbox ``results['img']``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict with the letterboxed image.
        """
        img = results['img']
        height, width = img.shape[:2]
        canvas = self.canvas_size
        shrink = min(1., canvas / max(height, width))
        if shrink < 1.:
            width = min(canvas, max(1, round(width * shrink)))
            height = min(canvas, max(1, round(height * shrink)))
            img = mmcv.imresize(
                img, (width, height), interpolation=self.interpolation)
        top, left = (canvas - height) // 2, (canvas - width) // 2
        img = mmcv.impad(
            img,
            padding=(left, top, canvas - width - left, canvas - height - top),
            pad_val=self.background)
        if canvas != self.scale:
            img = mmcv.imresize(
                img, (self.scale, self.scale),
                interpolation=self.interpolation)
        factor = shrink * self.scale / canvas
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['scale_factor'] = (factor, factor)
        return results

    def __repr__(self) -> str:
        repr_str = self.__class__.__name__
        repr_str += f'(canvas_size={self.canvas_size}, '
        repr_str += f'scale={self.scale}, '
        repr_str += f'background={self.background}, '
        repr_str += f"interpolation='{self.interpolation}')"
        return repr_str


@TRANSFORMS.register_module()
class RandomRotate(BaseTransform):
    """Rotate the image by a random angle, filling the uncovered corners
    with the background.

    With ``expand=False`` (default) the image keeps its size and is rotated
    about its centre, so anything farther from the centre than half the
    shorter side may leave the image at some angles. Use it after
    :class:`Letterbox` with a canvas at least as large as the longest crop
    diagonal: then the whole chromosome always stays in view. With
    ``expand=True`` the output grows to hold the whole rotated image (its
    size then depends on the angle), for use before :class:`Letterbox`.

    **Required Keys:**

    - img

    **Modified Keys:**

    - img
    - img_shape

    Args:
        prob (float): Probability of rotating. Defaults to 0.5.
        angle (float | Sequence[float]): Angles in degrees (positive is
            clockwise) are drawn uniformly from ``(-angle, angle)`` or from
            the given ``(min, max)``. Defaults to 180., any orientation.
        fill (int): Gray value of the uncovered corners. Defaults to 255
            (white, as G-band).
        expand (bool): Whether to grow the output to hold the whole rotated
            image. Defaults to False.
        interpolation (str): Interpolation of ``mmcv.imrotate``: 'nearest',
            'bilinear', 'bicubic', 'area' or 'lanczos'.
            Defaults to 'bilinear'.
    """

    def __init__(self,
                 prob: float = 0.5,
                 angle: Union[float, Sequence[float]] = 180.,
                 fill: int = 255,
                 expand: bool = False,
                 interpolation: str = 'bilinear') -> None:
        if not 0. <= prob <= 1.:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        if isinstance(angle, (int, float)):
            angle = (-abs(angle), abs(angle))
        if len(angle) != 2 or angle[0] > angle[1]:
            raise ValueError(
                f'angle must be a number or a (min, max) pair, got {angle}')
        _check_gray_value(fill, 'fill')
        _check_interpolation(interpolation)
        self.prob = prob
        self.angle = (float(angle[0]), float(angle[1]))
        self.fill = fill
        self.expand = expand
        self.interpolation = interpolation

    @cache_randomness
    def _random_angle(self) -> Optional[float]:
        """Draw the angle, or None to leave the image as it is."""
        if np.random.rand() >= self.prob:
            return None
        return np.random.uniform(*self.angle)

    def transform(self, results: dict) -> dict:
        """Rotate ``results['img']``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict with the rotated image.
        """
        angle = self._random_angle()
        if angle is not None:
            img = mmcv.imrotate(
                results['img'],
                angle,
                border_value=self.fill,
                interpolation=self.interpolation,
                auto_bound=self.expand)
            results['img'] = img
            results['img_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        repr_str = self.__class__.__name__
        repr_str += f'(prob={self.prob}, '
        repr_str += f'angle={self.angle}, '
        repr_str += f'fill={self.fill}, '
        repr_str += f'expand={self.expand}, '
        repr_str += f"interpolation='{self.interpolation}')"
        return repr_str


@TRANSFORMS.register_module()
class RandomContrastGamma(BaseTransform):
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

    def __init__(self,
                 prob: float = 0.5,
                 contrast: Optional[Sequence[float]] = (0.7, 1.3),
                 gamma: Optional[Sequence[float]] = (0.7, 1.4),
                 brightness: Optional[Sequence[float]] = (-10., 10.),
                 background: int = 255) -> None:
        if not 0. <= prob <= 1.:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        _check_gray_value(background, 'background')
        self.prob = prob
        self.contrast = _check_range(contrast, 'contrast', 0.)
        self.gamma = _check_range(gamma, 'gamma', 0.)
        self.brightness = _check_range(brightness, 'brightness', -256.)
        self.background = background

    @cache_randomness
    def _random_factors(self) -> Optional[Tuple[float, float, float]]:
        """Draw (gamma, contrast, brightness), or None to leave the image
        as it is."""
        if np.random.rand() >= self.prob:
            return None
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

    def transform(self, results: dict) -> dict:
        """Jitter ``results['img']``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict with the jittered image.
        """
        img = results['img']
        if img.dtype != np.uint8:
            raise TypeError(f'{self.__class__.__name__} needs a uint8 image, '
                            f'got {img.dtype} ({results.get("img_path")})')
        factors = self._random_factors()
        if factors is not None:
            results['img'] = cv2.LUT(img, self.lookup_table(*factors))
        return results

    def __repr__(self) -> str:
        repr_str = self.__class__.__name__
        repr_str += f'(prob={self.prob}, '
        repr_str += f'contrast={self.contrast}, '
        repr_str += f'gamma={self.gamma}, '
        repr_str += f'brightness={self.brightness}, '
        repr_str += f'background={self.background})'
        return repr_str


@TRANSFORMS.register_module()
class InvertIntensity(BaseTransform):
    """Invert a uint8 image (``255 - img``), e.g. to turn Q-band crops
    (bright chromosome on black) into the polarity of G-band crops (dark
    chromosome on white) before a G-band model sees them.

    **Required Keys:**

    - img

    **Modified Keys:**

    - img
    """

    def transform(self, results: dict) -> dict:
        """Invert ``results['img']``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict with the inverted image.
        """
        img = results['img']
        if img.dtype != np.uint8:
            raise TypeError(f'{self.__class__.__name__} needs a uint8 image, '
                            f'got {img.dtype} ({results.get("img_path")})')
        results['img'] = mmcv.iminvert(img)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}()'
