"""Geometric transforms of grayscale chromosome crops: the letterbox to the
model's input, the upright alignment and rotations."""
from typing import Optional, Sequence, Union

import mmcv
import numpy as np
from mmpretrain.registry import TRANSFORMS

from ..morphometry import (foreground_box, foreground_mask,
                           long_axis_tilt)
from .base import (ChromosomeTransform, RandomChromosomeTransform,
                   check_gray_value, check_interpolation, require_ref_length)


@TRANSFORMS.register_module()
class Letterbox(ChromosomeTransform):
    """Place a crop on a square canvas at a chosen pixel scale.

    A chromosome's length is a main cue of its type, so crops are never
    stretched to the model's input. How they are scaled is one of:

    - **Normalised** (``reference_fraction``; the default of mmscl's
      configs): the crop is cut to its chromosome's box and rescaled so that
      its ``ref_length`` (the median chromosome length of its cell or
      dataset, measured by :class:`ChromosomeDataset`) spans
      ``reference_fraction`` of the output side, then centred on a
      ``scale`` x ``scale`` canvas. Lengths relative to the cell are kept,
      and crops of labs that image at other pixel scales (or on canvases of
      any size) come out alike, with no per-lab setting.
    - **Kept** (``canvas_size``): the crop is centred on a ``canvas_size`` x
      ``canvas_size`` canvas and the canvas resized to ``scale``, so every
      crop of a dataset keeps one pixel scale. Only right within one lab:
      another lab's crops need another canvas.

    In both, a crop that does not fit is shrunk (aspect ratio kept).

    **Required Keys:**

    - img
    - ref_length (normalised scale only)

    **Modified Keys:**

    - img
    - img_shape

    **Added Keys:**

    - scale_factor: (w_scale, h_scale) from the input to the output image.

    Args:
        scale (int): Side of the output image. Defaults to 224.
        reference_fraction (float, optional): Part of the output side that
            the reference length spans, in (0, 1].
        canvas_size (int, optional): Side of the canvas in input pixels.
            Give exactly one of ``reference_fraction`` and ``canvas_size``.
        background (int): Gray value of the canvas. Defaults to 255 (white,
            as G-band and crops made dark on white by
            :class:`NormalizeStain`).
        interpolation (str): Interpolation of the resizes, one of
            ``mmcv.imresize``'s: 'nearest', 'bilinear', 'bicubic', 'area',
            'lanczos'. Defaults to 'bilinear'.
    """

    def __init__(self,
                 scale: int = 224,
                 reference_fraction: Optional[float] = None,
                 canvas_size: Optional[int] = None,
                 background: int = 255,
                 interpolation: str = 'bilinear') -> None:
        if not (isinstance(scale, int) and scale > 0):
            raise ValueError(f'scale must be a positive int, got {scale!r}')
        if (reference_fraction is None) == (canvas_size is None):
            raise ValueError('Letterbox: give exactly one of '
                             'reference_fraction (normalised scale) and '
                             'canvas_size (kept scale).')
        if reference_fraction is not None and not 0 < reference_fraction <= 1:
            raise ValueError('reference_fraction must be in (0, 1], got '
                             f'{reference_fraction!r}')
        if canvas_size is not None and not (isinstance(canvas_size, int)
                                            and canvas_size > 0):
            raise ValueError(
                f'canvas_size must be a positive int, got {canvas_size!r}')
        check_gray_value(background, 'background')
        check_interpolation(interpolation)
        self.scale = scale
        self.reference_fraction = reference_fraction
        self.canvas_size = canvas_size
        self.background = background
        self.interpolation = interpolation

    def check_inputs(self, results: dict) -> None:
        """Raise if the normalised scale lacks the crop's ref_length.

        Args:
            results (dict): The result dict.
        """
        if self.reference_fraction is not None:
            require_ref_length(results, 'Letterbox(reference_fraction=...)',
                               ', or Letterbox(canvas_size=...)')

    def _resize(self, img: np.ndarray, factor: float) -> np.ndarray:
        height, width = img.shape[:2]
        size = (min(self.scale, max(1, round(width * factor))),
                min(self.scale, max(1, round(height * factor))))
        if size == (width, height):
            return img
        return mmcv.imresize(img, size, interpolation=self.interpolation)

    def _pad(self, img: np.ndarray) -> np.ndarray:
        height, width = img.shape[:2]
        top, left = (self.scale - height) // 2, (self.scale - width) // 2
        return mmcv.impad(
            img,
            padding=(left, top, self.scale - width - left,
                     self.scale - height - top),
            pad_val=self.background)

    def transform(self, results: dict) -> dict:
        """Letterbox ``results['img']``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict with the letterboxed image.
        """
        self.check_inputs(results)
        img = results['img']
        if self.reference_fraction is not None:
            mask = foreground_mask(img)
            if mask.any():
                top, bottom, left, right = foreground_box(mask)
                img = img[top:bottom, left:right]
            factor = (self.reference_fraction * self.scale /
                      results['ref_length'])
        else:
            factor = self.scale / self.canvas_size
        height, width = img.shape[:2]
        factor = min(factor, self.scale / max(height, width))
        img = self._pad(self._resize(img, factor))
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['scale_factor'] = (factor, factor)
        return results


def rotate(results: dict, angle: float, fill: int, interpolation: str,
           expand: bool) -> dict:
    """Rotate ``results['img']`` clockwise by ``angle`` degrees about its
    centre, filling the uncovered corners with ``fill``.

    Args:
        results (dict): The result dict.
        angle (float): The angle in degrees (``mmcv.imrotate``'s sign).
        fill (int): Gray value of the uncovered corners.
        interpolation (str): Interpolation of ``mmcv.imrotate``.
        expand (bool): Whether to grow the output to hold the whole rotated
            image (else it keeps its size).

    Returns:
        dict: The result dict with the rotated image and its ``img_shape``.
    """
    img = mmcv.imrotate(
        results['img'],
        angle,
        border_value=fill,
        interpolation=interpolation,
        auto_bound=expand)
    results['img'] = img
    results['img_shape'] = img.shape[:2]
    return results


@TRANSFORMS.register_module()
class AlignLongAxis(ChromosomeTransform):
    """Rotate a crop so that its chromosome's long axis is vertical.

    Labs crop chromosomes at any angle: gband612's crops are upright,
    qband119's lean by up to 90 degrees. A model trained on upright crops
    with small rotations fails on leaning ones, and learning every angle
    costs accuracy at a given budget (docs/crops_from_other_labs.md has the
    figures). Bringing every crop, in training and at test, to one
    orientation needs no setting of a lab. The long axis
    is the major axis of the silhouette's second moments
    (:func:`~mmscl.datasets.morphometry.long_axis_tilt`); the crop is turned
    the shorter way (at most 90 degrees), so which end is up is left as the
    lab cropped it (flips in training cover both).

    Use it after :class:`NormalizeStain` (the silhouette is found dark on
    light) and before :class:`Letterbox`. The output grows to hold the whole
    rotated crop, its new corners filled with ``fill``.

    **Required Keys:**

    - img

    **Modified Keys:**

    - img
    - img_shape

    Args:
        fill (int): Gray value of the uncovered corners. Defaults to 255
            (white, as crops made dark on white by :class:`NormalizeStain`).
        interpolation (str): Interpolation of ``mmcv.imrotate``: 'nearest',
            'bilinear', 'bicubic', 'area' or 'lanczos'.
            Defaults to 'bilinear'.
    """

    uint8_only = True

    def __init__(self, fill: int = 255,
                 interpolation: str = 'bilinear') -> None:
        check_gray_value(fill, 'fill')
        check_interpolation(interpolation)
        self.fill = fill
        self.interpolation = interpolation

    def transform(self, results: dict) -> dict:
        """Turn ``results['img']`` upright.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict, its image turned by the tilt of its long
            axis (left as it is when upright) and grown to hold it whole.
        """
        self.check_inputs(results)
        tilt = long_axis_tilt(foreground_mask(results['img']))
        if tilt == 0.:
            return results
        return rotate(results, tilt, self.fill, self.interpolation,
                      expand=True)


@TRANSFORMS.register_module()
class RandomRotate(RandomChromosomeTransform):
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
        super().__init__(prob)
        if isinstance(angle, (int, float)):
            angle = (-abs(angle), abs(angle))
        if len(angle) != 2 or angle[0] > angle[1]:
            raise ValueError(
                f'angle must be a number or a (min, max) pair, got {angle}')
        check_gray_value(fill, 'fill')
        check_interpolation(interpolation)
        self.angle = (float(angle[0]), float(angle[1]))
        self.fill = fill
        self.expand = expand
        self.interpolation = interpolation

    def draw(self) -> float:
        """Draw the angle."""
        return np.random.uniform(*self.angle)

    def apply(self, results: dict, angle: float) -> dict:
        """Rotate ``results['img']`` by ``angle`` degrees.

        Args:
            results (dict): The result dict.
            angle (float): The drawn angle.

        Returns:
            dict: The result dict with the rotated image.
        """
        return rotate(results, angle, self.fill, self.interpolation,
                      self.expand)
