"""Rendering of one G-banded metaphase chromosome.

A chromosome is modelled along its axis (arc length ``s``) and across it
(``t``): two sister chromatids, each a round rod whose stain follows the
band map, joined and narrowed at the centromere, with rounded telomeres
and, on acrocentrics, a thin stalk carrying a satellite. Its optical
density in the straight frame is bent along a smooth random axis, turned,
and photographed: transmission, illumination, optical blur, tone curve,
camera noise and the karyotyping software's mask.
"""
import math
from dataclasses import dataclass
from typing import Tuple

import cv2
import numpy as np

from .band_map import BandMap

# 9qh stains pale with G-banding, unlike the other heterochromatin blocks.
PALE_HETEROCHROMATIN = (('9', 'q12'), )
# Margin in pixels around the straight frame and the bent patch.
_PAD = 4
# The axis never turns more than this from the chord, so it stays a graph
# over the chord (see :func:`_bent_coordinates`).
_MAX_AXIS_ANGLE = math.radians(65)


@dataclass(frozen=True)
class CellStyle:
    """The look shared by the chromosomes of one metaphase cell.

    Per-cell parameters of the domain (see
    :mod:`mmscl.datasets.synthetic.domains`) hold one drawn value; the
    per-chromosome ones keep their ``(low, high)`` range.
    """
    canvas: int
    band_level: int
    px_per_mb: float
    width: float
    length_jitter: float
    heteromorphism: Tuple[float, float]
    split: Tuple[float, float]
    constriction: Tuple[float, float]
    bend: Tuple[float, float]
    rotation: Tuple[float, float]
    flip: float
    band_softness: float
    stain_od: float
    base_stain: float
    texture: float
    gamma: float
    black_level: float
    blur: float
    noise: float
    background: float
    background_texture: float
    edge_cut: float


@dataclass(frozen=True)
class _Axis:
    """Profiles along the straight axis, sampled at ``s``."""
    s: np.ndarray
    darkness: np.ndarray
    relative_width: np.ndarray
    length: float
    centromere: float


def _smooth_noise(rng: np.random.Generator, shape: Tuple[int, int],
                  sigma: float) -> np.ndarray:
    """Gaussian-filtered white noise of about unit standard deviation."""
    noise = rng.standard_normal(shape, dtype=np.float32)
    smooth = cv2.GaussianBlur(
        noise, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    # A Gaussian of width sigma keeps 1 / (2 sqrt(pi) sigma) of the noise
    # variance per blurred dimension.
    blurred_dims = sum(n > 1 for n in shape)
    return smooth * np.float32(
        (2 * math.sqrt(math.pi) * sigma)**(blurred_dims / 2))


def _smooth_1d(values: np.ndarray, sigma: float) -> np.ndarray:
    if sigma <= 0:
        return values
    return cv2.GaussianBlur(
        values[None], (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)[0]


def _axis_profiles(band_map: BandMap, style: CellStyle, half_width: float,
                   rng: np.random.Generator) -> _Axis:
    """Band darkness and relative width along the straight axis."""
    bands = band_map.bands
    lengths = np.array([b.length for b in bands]) * style.px_per_mb
    jitter = np.clip(rng.standard_normal(), -3, 3) * style.length_jitter
    lengths *= 1 + jitter
    darkness = np.array([b.darkness for b in bands])
    width = np.ones(len(bands))
    stalk = next((i for i, b in enumerate(bands) if b.stain == 'stalk'), None)
    for i, band in enumerate(bands):
        if band.stain not in ('gvar', 'stalk'):
            continue
        lengths[i] *= rng.uniform(*style.heteromorphism)
        if band.stain == 'stalk':
            darkness[i] = 0.0
            width[i] = rng.uniform(0.3, 0.45)
        elif (band_map.chrom, band.name) in PALE_HETEROCHROMATIN:
            darkness[i] = rng.uniform(0.1, 0.35)
        elif stalk is not None and i < stalk:  # the satellite
            darkness[i] = rng.uniform(0.3, 0.8)
            width[i] = rng.uniform(0.6, 0.85)
        elif stalk is not None:  # the short arm below the stalk
            darkness[i] = rng.uniform(0.2, 0.6)
            width[i] = rng.uniform(0.75, 0.95)
        else:
            darkness[i] = rng.uniform(0.55, 0.95)
    edges = np.concatenate([[0.0], np.cumsum(lengths)])
    length = float(edges[-1])
    q_arm = next(i for i, b in enumerate(bands) if b.name.startswith('q'))

    s = np.arange(-_PAD, math.ceil(length) + _PAD, dtype=np.float32) + 0.5
    index = np.clip(
        np.searchsorted(edges, s, side='right') - 1, 0,
        len(bands) - 1)
    return _Axis(
        s=s,
        darkness=_smooth_1d(darkness[index].astype(np.float32),
                            style.band_softness),
        relative_width=_smooth_1d(width[index].astype(np.float32),
                                  max(1.0, 0.3 * half_width)),
        length=length,
        centromere=float(edges[q_arm]))


def _straight_density(axis: _Axis, style: CellStyle, half_width: float,
                      split: float, rng: np.random.Generator) -> np.ndarray:
    """Optical density of the straight chromosome, rows along ``s``."""
    s = axis.s[:, None]
    from_centromere = (s - axis.centromere) / half_width
    constriction = rng.uniform(*style.constriction)
    # Chromosome outlines are not perfectly smooth.
    roughness = 1 + 0.04 * _smooth_noise(rng, (len(axis.s), 1), 2.0)
    radius = half_width * axis.relative_width[:, None] * roughness * (
        1 - constriction * np.exp(-0.5 * (from_centromere / 0.9)**2))
    # The chromatids are joined at the centromere and part near the ends.
    ends = np.exp(-s / half_width) + np.exp((s - axis.length) / half_width)
    separation = half_width * axis.relative_width[:, None] * (
        split * (1 - 0.7 * np.exp(-0.5 * (from_centromere / 1.3)**2)) +
        rng.uniform(0, 0.15) * ends)
    beyond_cap = np.maximum(0,
                            np.maximum(radius - s, s - (axis.length - radius)))

    cols = 2 * math.ceil(half_width * (1 + split + 0.5)) + 2 * _PAD
    t = np.arange(cols, dtype=np.float32)[None] - cols / 2 + 0.5
    wobble = _smooth_noise(rng, (len(axis.s), cols), 2.5)
    grain = _smooth_noise(rng, (len(axis.s), cols), 0.9)
    stain = np.float32(style.stain_od * rng.uniform(0.9, 1.1))
    chromatids = []
    for side in (-1, 1):
        r2 = ((t - side * separation)**2 + beyond_cap**2) / radius**2
        thickness = np.sqrt(np.clip(1 - r2, 0, 1))
        shifted = s + 0.6 * wobble + rng.normal(0, 0.4)
        darkness = np.interp(shifted, axis.s, axis.darkness)
        chromatids.append(thickness * (style.base_stain +
                                       (1 - style.base_stain) * darkness))
    # Where the chromatids merge (the centromere) the chromatin does not
    # double: a soft union of the two, not their sum.
    a, b = chromatids
    density = (a + b - a * b) * stain * (1 + style.texture * grain)
    return np.clip(density, 0, None)


def _axis_curve(length: float, style: CellStyle,
                rng: np.random.Generator) -> Tuple[np.ndarray, ...]:
    """A smooth random axis as a graph ``v = f(u)`` over its chord.

    The axis turns smoothly by up to ``style.bend`` degrees around a random
    point, with a slight wiggle.

    Returns:
        tuple: ``u``, ``f(u)``, ``f'(u)``, ``f''(u)`` and the arc length at
        ``u``, sampled every pixel of arc length from ``-_PAD`` to
        ``length + _PAD``.
    """
    arc = np.arange(-_PAD, length + _PAD + 1, dtype=np.float64)
    turn = math.radians(rng.uniform(*style.bend)) * rng.choice((-1, 1))
    centre = rng.uniform(0.25, 0.75) * length
    sharpness = rng.uniform(0.04, 0.3) * length
    wiggle = math.radians(rng.uniform(0, 8))
    angle = turn / (1 + np.exp(-(arc - centre) / sharpness)) + wiggle * \
        np.sin(2 * math.pi * rng.uniform(0.5, 1.5) * arc / length +
               rng.uniform(0, 2 * math.pi))
    # Turn the chord onto the u axis.
    inside = (arc >= 0) & (arc <= length)
    du, dv = np.cos(angle[inside]).sum(), np.sin(angle[inside]).sum()
    angle = np.clip(angle - math.atan2(dv, du), -_MAX_AXIS_ANGLE,
                    _MAX_AXIS_ANGLE)
    u = np.cumsum(np.cos(angle))
    v = np.cumsum(np.sin(angle))
    curvature = np.gradient(angle)
    return (u, v, np.tan(angle), curvature / np.cos(angle)**3, arc)


def _bent_coordinates(x: np.ndarray, y: np.ndarray,
                      curve: Tuple[np.ndarray, ...]) -> Tuple[np.ndarray, ...]:
    """Arc length ``s`` and signed distance ``t`` of points ``(x, y)`` of
    the chromosome's frame (``y`` along the chord) to the curved axis.

    The foot point on ``v = f(u)`` is found by Newton's method on the
    squared distance, starting straight across.
    """
    u_grid, f, df, ddf, arc = curve
    u = y.copy()
    for _ in range(3):
        fu = np.interp(u, u_grid, f)
        dfu = np.interp(u, u_grid, df)
        ddfu = np.interp(u, u_grid, ddf)
        gap = x - fu
        grad = (u - y) - gap * dfu
        hess = 1 + dfu**2 - gap * ddfu
        u = u - grad / np.maximum(hess, 0.2)
    fu = np.interp(u, u_grid, f)
    dfu = np.interp(u, u_grid, df)
    t = ((x - fu) - (y - u) * dfu) / np.sqrt(1 + dfu**2)
    return np.interp(u, u_grid, arc), t


def render_chromosome(band_map: BandMap, style: CellStyle,
                      rng: np.random.Generator) -> np.ndarray:
    """Render one chromosome centred on the cell's white canvas.

    Args:
        band_map (BandMap): The chromosome's bands at the cell's band level.
        style (CellStyle): The cell's look.
        rng (np.random.Generator): Source of the chromosome's randomness.

    Returns:
        np.ndarray: A ``(canvas, canvas)`` uint8 image, dark on white.
    """
    split = rng.uniform(*style.split)
    half_width = style.width / (2 * (1 + split))
    axis = _axis_profiles(band_map, style, half_width, rng)
    density = _straight_density(axis, style, half_width, split, rng)
    if rng.random() < 0.5:
        density = density[:, ::-1]
    curve = _axis_curve(axis.length, style, rng)

    angle = math.radians(rng.uniform(*style.rotation))
    if rng.random() < style.flip:
        angle += math.pi
    cos, sin = math.cos(angle), math.sin(angle)
    # Canvas offsets (X right, Y down) of the axis; the frame's chord
    # points down the canvas when the angle is 0.
    u_grid, f = curve[0], curve[1]
    inside = (curve[4] >= 0) & (curve[4] <= axis.length)
    ax = u_grid[inside] * sin + f[inside] * cos
    ay = u_grid[inside] * cos - f[inside] * sin
    centre = np.array([ax.max() + ax.min(), ay.max() + ay.min()]) / 2
    margin = style.width / 2 + 3 * style.blur + _PAD
    canvas = style.canvas
    x0, y0 = (
        np.floor(
            np.array([ax.min(), ay.min()]) - centre - margin +
            canvas / 2).astype(int).clip(0, canvas))
    x1, y1 = (
        np.ceil(np.array([ax.max(), ay.max()]) - centre + margin +
                canvas / 2).astype(int).clip(0, canvas))

    # The axis coordinates vary slowly, so they are solved on every other
    # pixel (the centres of 2x2 blocks) and linearly upsampled.
    gx, gy = np.meshgrid(
        np.arange(x0, x1, 2, dtype=np.float32) + 1 - canvas / 2 + centre[0],
        np.arange(y0, y1, 2, dtype=np.float32) + 1 - canvas / 2 + centre[1])
    s, t = _bent_coordinates(gx * cos - gy * sin, gx * sin + gy * cos, curve)
    full = (2 * gx.shape[1], 2 * gx.shape[0])
    map_x = cv2.resize((t + density.shape[1] / 2 - 0.5).astype(np.float32),
                       full)[:y1 - y0, :x1 - x0]
    map_y = cv2.resize((s + _PAD - 0.5).astype(np.float32),
                       full)[:y1 - y0, :x1 - x0]
    patch = cv2.remap(
        density,
        map_x,
        map_y,
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0)
    image = np.full((canvas, canvas), 255, np.uint8)
    image[y0:y1, x0:x1] = _photograph(patch, style, rng)
    return image


def _photograph(density: np.ndarray, style: CellStyle,
                rng: np.random.Generator) -> np.ndarray:
    """Grey levels of an optical density patch under the cell's optics."""
    light = np.float32(style.background / 255)
    if style.background_texture > 0:
        # Uneven illumination is smooth: drawn at a quarter of the size.
        height, width = density.shape
        coarse = _smooth_noise(rng, (height // 4 + 2, width // 4 + 2), 1.5)
        light = light + cv2.resize(coarse, (width, height)) * np.float32(
            style.background_texture / 255 / 3)
    transmitted = np.exp(-density) * light
    if style.blur > 0:
        transmitted = cv2.GaussianBlur(
            transmitted, (0, 0), style.blur, borderType=cv2.BORDER_REPLICATE)
    transmitted = np.clip(transmitted, 0, 1)
    grey = 255 * (
        style.black_level + (1 - style.black_level) * transmitted**style.gamma)
    grey += style.noise * np.sqrt(1 - transmitted) * rng.standard_normal(
        density.shape, dtype=np.float32)
    grey = np.clip(np.rint(grey), 0, 255).astype(np.uint8)
    grey[grey >= style.edge_cut] = 255
    return grey
