"""Geometric and intensity transforms for grayscale chromosome crops."""
from typing import Optional, Sequence, Tuple, Union

import cv2
import mmcv
import numpy as np
from mmcv.image.geometric import cv2_interp_codes
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmpretrain.registry import TRANSFORMS

from ..morphometry import foreground_box, foreground_mask, has_dark_background


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
        _check_gray_value(background, 'background')
        _check_interpolation(interpolation)
        self.scale = scale
        self.reference_fraction = reference_fraction
        self.canvas_size = canvas_size
        self.background = background
        self.interpolation = interpolation

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
        img = results['img']
        if self.reference_fraction is not None:
            if 'ref_length' not in results:
                raise KeyError(
                    f'Letterbox(reference_fraction=...) needs the crop\'s '
                    f'ref_length ({results.get("img_path")}): use '
                    'ChromosomeDataset with length_reference set, or '
                    'Letterbox(canvas_size=...).')
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

    def __repr__(self) -> str:
        repr_str = self.__class__.__name__
        repr_str += f'(scale={self.scale}, '
        repr_str += f'reference_fraction={self.reference_fraction}, '
        repr_str += f'canvas_size={self.canvas_size}, '
        repr_str += f'background={self.background}, '
        repr_str += f"interpolation='{self.interpolation}')"
        return repr_str


@TRANSFORMS.register_module()
class RandomReferenceScale(BaseTransform):
    """Jitter the scale that :class:`Letterbox` normalises a crop to, by
    dividing its ``ref_length`` by a random factor.

    The reference length of a cell is an estimate (and absent cells take
    the dataset's), so a model should not rely on the exact normalised
    size: with factors drawn log-uniformly from ``ratio_range``, a crop is
    drawn that much larger or smaller.

    **Required Keys:**

    - ref_length

    **Modified Keys:**

    - ref_length

    Args:
        ratio_range (Sequence[float]): (min, max) of the scale factor,
            above 0. Defaults to (0.87, 1.15).
        prob (float): Probability of jittering. Defaults to 1.
    """

    def __init__(self,
                 ratio_range: Sequence[float] = (0.87, 1.15),
                 prob: float = 1.) -> None:
        if not 0. <= prob <= 1.:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.ratio_range = _check_range(ratio_range, 'ratio_range', 0.)
        self.prob = prob

    @cache_randomness
    def _random_ratio(self) -> float:
        if np.random.rand() >= self.prob:
            return 1.
        return float(np.exp(np.random.uniform(*np.log(self.ratio_range))))

    def transform(self, results: dict) -> dict:
        """Jitter ``results['ref_length']``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict with the jittered reference length.
        """
        if 'ref_length' not in results:
            raise KeyError(f'{self.__class__.__name__} needs the crop\'s '
                           f'ref_length ({results.get("img_path")}): use '
                           'ChromosomeDataset with length_reference set.')
        results['ref_length'] = results['ref_length'] / self._random_ratio()
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(ratio_range={self.ratio_range}, '
                f'prob={self.prob})')


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
class RandomGaussianNoise(BaseTransform):
    """Add zero-mean Gaussian noise to a uint8 image, as a noisier camera.

    **Required Keys:**

    - img

    **Modified Keys:**

    - img

    Args:
        prob (float): Probability of adding noise. Defaults to 0.5.
        std (Sequence[float]): (min, max) of the noise's standard deviation
            in gray levels, drawn uniformly per image. Defaults to (2., 8.).
    """

    def __init__(self,
                 prob: float = 0.5,
                 std: Sequence[float] = (2., 8.)) -> None:
        if not 0. <= prob <= 1.:
            raise ValueError(
                f'RandomGaussianNoise: prob must be in [0, 1], got {prob}')
        self.prob = prob
        self.std = _check_range(std, 'RandomGaussianNoise: std', 0.)
        if self.std is None:
            raise ValueError(
                'RandomGaussianNoise: std must be a (min, max) pair, got None')

    @cache_randomness
    def _random_std(self) -> Optional[float]:
        """Draw the noise's standard deviation, or None for no noise."""
        if np.random.rand() >= self.prob:
            return None
        return np.random.uniform(*self.std)

    def transform(self, results: dict) -> dict:
        """Add noise to ``results['img']``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict with the noisy uint8 image.
        """
        img = results['img']
        if img.dtype != np.uint8:
            raise TypeError(f'{self.__class__.__name__} needs a uint8 image, '
                            f'got {img.dtype} ({results.get("img_path")})')
        std = self._random_std()
        if std is not None:
            noisy = img + np.random.normal(0., std, img.shape)
            results['img'] = np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(prob={self.prob}, std={self.std})'


@TRANSFORMS.register_module()
class RandomJPEGCompression(BaseTransform):
    """Encode and decode a uint8 image as JPEG, as crops that a lab saved
    lossily.

    **Required Keys:**

    - img

    **Modified Keys:**

    - img

    Args:
        prob (float): Probability of compressing. Defaults to 0.5.
        quality (Sequence[int]): (min, max) of the JPEG quality (1-100),
            drawn uniformly per image. Defaults to (30, 90).
    """

    def __init__(self,
                 prob: float = 0.5,
                 quality: Sequence[int] = (30, 90)) -> None:
        if not 0. <= prob <= 1.:
            raise ValueError(
                f'RandomJPEGCompression: prob must be in [0, 1], got {prob}')
        if (len(quality) != 2
                or not 1 <= int(quality[0]) <= int(quality[1]) <= 100):
            raise ValueError('RandomJPEGCompression: quality must be a '
                             '(min, max) pair with 1 <= min <= max <= 100, '
                             f'got {quality}')
        self.prob = prob
        self.quality = (int(quality[0]), int(quality[1]))

    @cache_randomness
    def _random_quality(self) -> Optional[int]:
        """Draw the JPEG quality, or None to leave the image alone."""
        if np.random.rand() >= self.prob:
            return None
        return int(np.random.randint(self.quality[0], self.quality[1] + 1))

    def transform(self, results: dict) -> dict:
        """Compress ``results['img']``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict with the decoded JPEG, same shape.
        """
        img = results['img']
        if img.dtype != np.uint8:
            raise TypeError(f'{self.__class__.__name__} needs a uint8 image, '
                            f'got {img.dtype} ({results.get("img_path")})')
        quality = self._random_quality()
        if quality is not None:
            _, encoded = cv2.imencode('.jpg', img,
                                      [cv2.IMWRITE_JPEG_QUALITY, quality])
            decoded = cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED)
            results['img'] = decoded.reshape(img.shape)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(prob={self.prob}, '
                f'quality={self.quality})')


@TRANSFORMS.register_module()
class NormalizeStain(BaseTransform):
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
        img = results['img']
        if img.dtype != np.uint8:
            raise TypeError(f'{self.__class__.__name__} needs a uint8 image, '
                            f'got {img.dtype} ({results.get("img_path")})')
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

    def __repr__(self) -> str:
        repr_str = self.__class__.__name__
        repr_str += f'(invert={self.invert!r}, '
        repr_str += f'stretch={self.stretch}, '
        repr_str += f'dark_percentile={self.dark_percentile})'
        return repr_str
