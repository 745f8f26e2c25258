"""Transforms of the experiments of benchmarks/README.md ("Augmentation for
lab shift") that no shipped config uses: camera noise, JPEG compression
and faded bands.

The configs of ``benchmarks/configs/`` that use them import this module
with ``custom_imports``, so the repository root must be on ``sys.path``
(``PYTHONPATH=.`` from the root; ``benchmarks/tool_run.py`` puts it there
for the runs it starts).
"""
from typing import Sequence

import cv2
import numpy as np
from mmpretrain.registry import TRANSFORMS

from mmscl.datasets.morphometry import foreground_mask
from mmscl.datasets.transforms.base import (RandomChromosomeTransform,
                                            check_range)


@TRANSFORMS.register_module()
class RandomGaussianNoise(RandomChromosomeTransform):
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

    uint8_only = True

    def __init__(self,
                 prob: float = 0.5,
                 std: Sequence[float] = (2., 8.)) -> None:
        super().__init__(prob)
        self.std = check_range(std, 'RandomGaussianNoise: std', 0.)
        if self.std is None:
            raise ValueError(
                'RandomGaussianNoise: std must be a (min, max) pair, got None')

    def draw(self) -> float:
        """Draw the noise's standard deviation."""
        return np.random.uniform(*self.std)

    def apply(self, results: dict, std: float) -> dict:
        """Add noise of standard deviation ``std`` to ``results['img']``.

        Args:
            results (dict): The result dict.
            std (float): The drawn standard deviation.

        Returns:
            dict: The result dict with the noisy uint8 image.
        """
        img = results['img']
        noisy = img + np.random.normal(0., std, img.shape)
        results['img'] = np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
        return results


@TRANSFORMS.register_module()
class RandomJPEGCompression(RandomChromosomeTransform):
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

    uint8_only = True

    def __init__(self,
                 prob: float = 0.5,
                 quality: Sequence[int] = (30, 90)) -> None:
        super().__init__(prob)
        if (len(quality) != 2
                or not 1 <= int(quality[0]) <= int(quality[1]) <= 100):
            raise ValueError('RandomJPEGCompression: quality must be a '
                             '(min, max) pair with 1 <= min <= max <= 100, '
                             f'got {quality}')
        self.quality = (int(quality[0]), int(quality[1]))

    def draw(self) -> int:
        """Draw the JPEG quality."""
        return int(np.random.randint(self.quality[0], self.quality[1] + 1))

    def apply(self, results: dict, quality: int) -> dict:
        """Encode and decode ``results['img']`` at JPEG ``quality``.

        Args:
            results (dict): The result dict.
            quality (int): The drawn quality.

        Returns:
            dict: The result dict with the decoded JPEG, same shape.
        """
        img = results['img']
        _, encoded = cv2.imencode('.jpg', img,
                                  [cv2.IMWRITE_JPEG_QUALITY, quality])
        decoded = cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED)
        results['img'] = decoded.reshape(img.shape)
        return results


@TRANSFORMS.register_module()
class RandomBandFade(RandomChromosomeTransform):
    """Blur and flatten the bands inside the chromosome, its outline kept:
    crops of a lab whose banding is fainter or softer than gband612's, so
    that the model also learns the length and the centromere's position.

    Inside the silhouette (:func:`~mmscl.datasets.morphometry.foreground_mask`)
    the image is blurred with a Gaussian normalised over the silhouette (no
    background bleeds in), then its contrast around the silhouette's mean
    gray value is scaled by a factor in ``contrast``; the background and
    the outline stay as they are.

    **Required Keys:**

    - img

    **Modified Keys:**

    - img

    Args:
        prob (float): Probability of fading. Defaults to 0.5.
        sigma (Sequence[float]): (min, max) of the blur's standard deviation
            as a fraction of the image side, drawn uniformly. Defaults to
            (0.005, 0.025): 0.3-1.6 px at 64 px.
        contrast (Sequence[float]): (min, max) of the bands' contrast
            factor, drawn uniformly. Defaults to (0.3, 1.0).
    """

    uint8_only = True

    def __init__(self,
                 prob: float = 0.5,
                 sigma: Sequence[float] = (0.005, 0.025),
                 contrast: Sequence[float] = (0.3, 1.0)) -> None:
        super().__init__(prob)
        self.sigma = check_range(sigma, 'RandomBandFade: sigma', 0.)
        self.contrast = check_range(contrast, 'RandomBandFade: contrast', 0.)

    def draw(self) -> tuple:
        """Draw the blur's sigma (a fraction of the side) and the
        contrast factor."""
        return (np.random.uniform(*self.sigma),
                np.random.uniform(*self.contrast))

    def apply(self, results: dict, params: tuple) -> dict:
        """Fade the bands of ``results['img']``.

        Args:
            results (dict): The result dict.
            params (tuple): The drawn (sigma fraction, contrast factor).

        Returns:
            dict: The result dict with the faded uint8 image.
        """
        img = results['img']
        mask = foreground_mask(img)
        if not mask.any():
            return results
        sigma_fraction, contrast = params
        sigma = sigma_fraction * max(img.shape[:2])
        inside = mask.astype(np.float32)
        blurred = cv2.GaussianBlur(img.astype(np.float32) * inside, (0, 0),
                                   sigma)
        weight = cv2.GaussianBlur(inside, (0, 0), sigma)
        blurred = blurred / np.maximum(weight, 1e-6)
        mean = blurred[mask].mean()
        faded = mean + contrast * (blurred - mean)
        out = img.copy()
        out[mask] = np.clip(np.rint(faded[mask]), 0, 255).astype(np.uint8)
        results['img'] = out
        return results


@TRANSFORMS.register_module()
class RandomBandStain(RandomChromosomeTransform):
    """Restain the bands inside the chromosome, its outline kept: another
    stain's response to the same chromatin (Q-band against G-band
    heterochromatin, a paler or harsher staining of some bands).

    Inside the silhouette the bands' contrast around the silhouette's mean
    gray value is multiplied by a gain that varies smoothly along the rows
    (the long axis of an upright crop: ``knots`` gains drawn log-normally,
    interpolated over the silhouette's rows), then the gray values go
    through a random monotone tone curve (5 points between black and the
    background's white, each moved by ``curve_std`` of the range); the
    background and the outline stay as they are.

    **Required Keys:**

    - img

    **Modified Keys:**

    - img

    Args:
        prob (float): Probability of restaining. Defaults to 0.5.
        gain_std (float): Standard deviation of the log of each gain knot.
            Defaults to 0.4.
        knots (int): Gain knots along the chromosome. Defaults to 6.
        curve_std (float): Standard deviation of each tone-curve point's
            move, as a fraction of 0-255. Defaults to 0.08.
    """

    uint8_only = True

    def __init__(self,
                 prob: float = 0.5,
                 gain_std: float = 0.4,
                 knots: int = 6,
                 curve_std: float = 0.08) -> None:
        super().__init__(prob)
        if gain_std < 0 or curve_std < 0 or knots < 2:
            raise ValueError(
                'RandomBandStain: gain_std and curve_std must be at least 0 '
                f'and knots at least 2, got {gain_std}, {curve_std}, '
                f'{knots}')
        self.gain_std = gain_std
        self.knots = knots
        self.curve_std = curve_std

    def draw(self) -> tuple:
        """Draw the gain knots and the tone curve's inner points."""
        gains = np.exp(np.random.normal(0., self.gain_std, self.knots))
        curve = np.linspace(0., 255., 7)[1:-1] + np.random.normal(
            0., self.curve_std * 255., 5)
        return gains, np.sort(np.clip(curve, 0., 255.))

    def apply(self, results: dict, params: tuple) -> dict:
        """Restain the bands of ``results['img']``.

        Args:
            results (dict): The result dict.
            params (tuple): The drawn gain knots and tone-curve points.

        Returns:
            dict: The result dict with the restained uint8 image.
        """
        img = results['img']
        mask = foreground_mask(img)
        if not mask.any():
            return results
        gains, curve = params
        rows = np.nonzero(mask.any(axis=1))[0]
        gain = np.interp(np.arange(img.shape[0]),
                         np.linspace(rows[0], rows[-1], len(gains)), gains)
        gray = img.astype(np.float32)
        mean = gray[mask].mean()
        restained = mean + gain[:, None] * (gray - mean)
        levels = np.linspace(0., 255., 7)
        toned = np.interp(np.clip(restained, 0., 255.), levels,
                          np.concatenate([[0.], curve, [255.]]))
        out = img.copy()
        out[mask] = np.clip(np.rint(toned[mask]), 0, 254).astype(np.uint8)
        results['img'] = out
        return results
