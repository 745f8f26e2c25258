"""Loading real chromosome crops as 8-bit single-channel images."""
import io
import warnings
from contextlib import contextmanager
from typing import Optional, Sequence

import cv2
import mmengine.fileio as fileio
import numpy as np
from mmengine.logging import print_log
from mmpretrain.registry import TRANSFORMS
from PIL import Image

from .base import ChromosomeTransform, check_gray_value

# ITU-R BT.601 luma weights (as PIL's and OpenCV's RGB -> gray) for R, G, B.
_LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)
# PIL modes read as they are; the others are converted to 'RGB' / 'RGBA'.
_ARRAY_MODES = ('L', 'I;16', 'I;16L', 'I;16B', 'I;16N', 'I', 'F')
# Default pixel-count limit of every decoder: PIL's decompression-bomb
# threshold (about 89 MP, a 9459 x 9459 image), far above any crop or cell.
MAX_PIXELS = Image.MAX_IMAGE_PIXELS
# 16-bit files whose maximum is at most this probably hold 12-bit data.
_MAX_12_BIT = 4095
_warned_low_bit_depth = False


@contextmanager
def _opencv_log_silenced():
    """Keep OpenCV from printing its warnings (e.g. about each malformed
    TIFF header it tolerates) into the training log; failures are raised
    as errors instead."""
    log_level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        cv2.utils.logging.setLogLevel(log_level)


def _check_pixel_count(width: int, height: int, max_pixels: int,
                       filename: str) -> None:
    if width * height > max_pixels:
        raise OSError(f'{filename}: {width} x {height} = {width * height} '
                      f'pixels, more than the limit of {max_pixels} '
                      '(max_pixels): a decompression bomb or not a crop. '
                      'Raise max_pixels if the image is genuine.')


def _header_pixel_count_check(content: bytes, max_pixels: int,
                              filename: str) -> None:
    """Refuse an image whose header declares more than ``max_pixels``
    before any decoder allocates it (for files PIL's header parser reads;
    the others are checked after decoding)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                width, height = image.size
    except Image.DecompressionBombError:
        raise OSError(f'{filename}: more pixels than PIL allows (2 x '
                      f'PIL.Image.MAX_IMAGE_PIXELS = '
                      f'{2 * Image.MAX_IMAGE_PIXELS}): a decompression '
                      'bomb or not a crop.') from None
    except Exception:  # a header only OpenCV reads, or not an image
        return
    _check_pixel_count(width, height, max_pixels, filename)


def _pil_to_array(content: bytes) -> np.ndarray:
    """Decode with PIL into gray (HxW), gray+alpha, RGB or RGBA order."""
    with Image.open(io.BytesIO(content)) as image:
        image.load()
        if image.mode in _ARRAY_MODES:
            # PIL's own conversion of 16-bit images to 'L' clips, not scales.
            return np.array(image)
        if image.mode == '1':
            return np.array(image.convert('L'))
        if image.has_transparency_data:
            return np.array(image.convert('RGBA'))
        return np.array(image.convert('RGB'))


def _cv2_to_array(content: bytes) -> np.ndarray:
    """Decode with OpenCV into the same channel order as
    :func:`_pil_to_array` (RGB / RGBA, not BGR)."""
    with _opencv_log_silenced():
        img = cv2.imdecode(
            np.frombuffer(content, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise OSError('OpenCV cannot decode it')
    if img.ndim == 3 and img.shape[2] in (3, 4):
        img = img[..., [2, 1, 0, 3][:img.shape[2]]]
    return img


DECODERS = {'pillow': _pil_to_array, 'cv2': _cv2_to_array}


def _warn_low_bit_depth(filename: str, maximum: int) -> None:
    """Warn, once per process, that 16-bit data look like 12-bit data."""
    global _warned_low_bit_depth
    if not _warned_low_bit_depth:
        _warned_low_bit_depth = True
        print_log(
            f'{filename}: a 16-bit image whose maximum is {maximum} '
            f'(<= {_MAX_12_BIT}): probably 12-bit data, which scaled from '
            '0..65535 come out nearly black. Set LoadChromosomeImage('
            'bit_depth=12) to scale from 0..4095. (Warned once.)',
            logger='current',
            level=30)


def _to_gray_uint8(img: np.ndarray,
                   background: int,
                   filename: str,
                   bit_depth: Optional[int] = None) -> np.ndarray:
    """Turn a decoded image into an HxW uint8 array.

    16-bit values are mapped linearly from 0..2**bit_depth - 1 (0..65535
    when ``bit_depth`` is None) to 0..255, colour is reduced to luma and an
    alpha channel is composited onto ``background``.
    """
    if img.dtype == np.uint8:
        max_value = 255
    elif (img.dtype.kind in 'ui' and img.dtype.itemsize in (2, 4)
          and img.min() >= 0 and img.max() <= 65535):
        maximum = int(img.max())
        if bit_depth is None:
            max_value = 65535
            if maximum <= _MAX_12_BIT:
                _warn_low_bit_depth(filename, maximum)
        else:
            max_value = 2**bit_depth - 1
            if maximum > max_value:
                raise ValueError(
                    f'{filename}: values up to {maximum}, more than '
                    f'{bit_depth}-bit data hold (bit_depth={bit_depth}).')
    else:
        raise ValueError(f'{filename}: unsupported pixel type {img.dtype} '
                         f'(expected 8- or 16-bit unsigned integers).')
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    if img.ndim == 2 and max_value == 255:
        return img
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] > 4):
        raise ValueError(f'{filename}: unsupported image shape {img.shape}.')

    img = img.astype(np.float32) * (255. / max_value)
    if img.ndim == 2:
        gray = img
    else:
        num_colors = 1 if img.shape[2] <= 2 else 3
        colors = img[..., :num_colors]
        gray = colors[..., 0] if num_colors == 1 else colors @ _LUMA_WEIGHTS
        if img.shape[2] in (2, 4):
            alpha = img[..., -1] / 255.
            gray = gray * alpha + background * (1. - alpha)
    return np.clip(np.rint(gray), 0, 255).astype(np.uint8)


def _check_backends(backends: Sequence[str]) -> None:
    unknown = [b for b in backends if b not in DECODERS]
    if not backends or unknown:
        raise ValueError(f'imdecode backends must be a non-empty sequence '
                         f'of {list(DECODERS)}, got {backends!r}')


def imdecode_grayscale(
    content: bytes,
    filename: str,
    background: int = 255,
    backends: Sequence[str] = ('pillow', 'cv2'),
    max_pixels: int = MAX_PIXELS,
    bit_depth: Optional[int] = None
) -> np.ndarray:
    """Decode image bytes into an HxW uint8 grayscale array.

    The backends are tried in turn, so that a file whose header only one of
    them tolerates is still read. An image of more than ``max_pixels``
    pixels is refused by every backend (before decoding where PIL reads
    the header, else right after).

    Args:
        content (bytes): The encoded image (TIFF, BMP, PNG, ...).
        filename (str): The file the bytes came from, named in errors.
        background (int): Gray value that transparent pixels are
            composited onto. Defaults to 255 (white, as G-band crops).
        backends (Sequence[str]): Decoders to try in order, among 'pillow'
            and 'cv2'. Defaults to ('pillow', 'cv2').
        max_pixels (int): The most pixels an image may have. Defaults to
            :data:`MAX_PIXELS`.
        bit_depth (int, optional): Bits of data in 16-bit files (e.g. 12),
            which are scaled from 0..2**bit_depth - 1; None scales them from
            0..65535 and warns once when a file's maximum is at most 4095.
            Defaults to None.

    Returns:
        np.ndarray: The HxW uint8 image.
    """
    _header_pixel_count_check(content, max_pixels, filename)
    errors = []
    for backend in backends:
        try:
            img = DECODERS[backend](content)
        except Exception as e:  # any decoder failure -> try the next one
            errors.append(f'{backend}: {e!r}')
        else:
            _check_pixel_count(img.shape[1], img.shape[0], max_pixels,
                               filename)
            return _to_gray_uint8(img, background, filename, bit_depth)
    raise OSError(f'Cannot decode image file {filename} '
                  f'({"; ".join(errors)}).')


def imread_grayscale(filename: str,
                     background: int = 255,
                     backends: Sequence[str] = ('pillow', 'cv2'),
                     backend_args: Optional[dict] = None,
                     max_pixels: int = MAX_PIXELS,
                     bit_depth: Optional[int] = None) -> np.ndarray:
    """Read an image file into an HxW uint8 grayscale array.

    Args:
        filename (str): The image file.
        background (int): Gray value that transparent pixels are
            composited onto. Defaults to 255.
        backends (Sequence[str]): Decoders to try in order, among 'pillow'
            and 'cv2'. Defaults to ('pillow', 'cv2').
        backend_args (dict, optional): Arguments of the
            :mod:`mmengine.fileio` backend. Defaults to None.
        max_pixels (int): The most pixels an image may have. Defaults to
            :data:`MAX_PIXELS`.
        bit_depth (int, optional): Bits of data in 16-bit files; see
            :func:`imdecode_grayscale`. Defaults to None.

    Returns:
        np.ndarray: The HxW uint8 image.
    """
    try:
        content = fileio.get(filename, backend_args=backend_args)
    except FileNotFoundError:
        raise FileNotFoundError(f'Image file not found: {filename}') from None
    except OSError as e:
        raise OSError(f'Cannot read image file {filename}: {e}') from None
    return imdecode_grayscale(content, filename, background, backends,
                              max_pixels, bit_depth)


@TRANSFORMS.register_module()
class LoadChromosomeImage(ChromosomeTransform):
    """Load a chromosome crop as an HxW uint8 grayscale image.

    Reads 8- and 16-bit gray, palette, RGB and RGBA files (TIFF with any
    compression PIL or OpenCV decodes, BMP, PNG, ...). Colour is reduced to
    luma, transparency is composited onto ``background`` and 16-bit values
    are mapped linearly onto 0..255. Files are decoded with PIL and, when
    PIL rejects them (e.g. a malformed header), with OpenCV.

    OpenCV decodes small TIFFs faster than PIL (docs/data_formats.md);
    with ``imdecode_backends=('cv2', 'pillow')`` it goes first. It agrees with
    PIL on 8/16-bit gray, RGB(A), palette and bilevel files, but drops the
    alpha channel of gray+alpha TIFFs, hence the default order.

    **Required Keys:**

    - img_path

    **Added Keys:**

    - img
    - img_shape
    - ori_shape

    Args:
        background (int): Gray value that transparent pixels are
            composited onto. Defaults to 255, the white background of
            G-band crops.
        imdecode_backends (Sequence[str]): Decoders to try in order,
            among 'pillow' and 'cv2'. Defaults to ('pillow', 'cv2').
        backend_args (dict, optional): Arguments of the
            :mod:`mmengine.fileio` backend. Defaults to None.
        max_pixels (int): The most pixels an image may have; larger ones
            (decompression bombs) are refused by every backend. Defaults to
            :data:`MAX_PIXELS` (PIL's limit, about 89 MP).
        bit_depth (int, optional): Bits of data in 16-bit files (e.g. 12
            for a 12-bit camera), scaled from 0..2**bit_depth - 1. None
            scales them from 0..65535 and warns once when a file's maximum
            is at most 4095. Defaults to None.
    """

    def __init__(self,
                 background: int = 255,
                 imdecode_backends: Sequence[str] = ('pillow', 'cv2'),
                 backend_args: Optional[dict] = None,
                 max_pixels: int = MAX_PIXELS,
                 bit_depth: Optional[int] = None) -> None:
        check_gray_value(background, 'background')
        _check_backends(imdecode_backends)
        if not (isinstance(max_pixels, int) and max_pixels > 0):
            raise ValueError(
                f'max_pixels must be a positive int, got {max_pixels!r}')
        if bit_depth is not None and bit_depth not in range(9, 17):
            raise ValueError(f'bit_depth of 16-bit files must be 9..16 or '
                             f'None, got {bit_depth!r}')
        self.background = background
        self.imdecode_backends = tuple(imdecode_backends)
        self.backend_args = backend_args
        self.max_pixels = max_pixels
        self.bit_depth = bit_depth

    def load(self, filename: str) -> np.ndarray:
        """Read one image file as :meth:`transform` does.

        Args:
            filename (str): The image file.

        Returns:
            np.ndarray: The HxW uint8 image.
        """
        return imread_grayscale(filename, self.background,
                                self.imdecode_backends, self.backend_args,
                                self.max_pixels, self.bit_depth)

    def transform(self, results: dict) -> dict:
        """Load the image named by ``results['img_path']``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict with the image and its shape.
        """
        img = self.load(results['img_path'])
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results
