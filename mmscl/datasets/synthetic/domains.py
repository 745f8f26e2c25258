"""Imaging domains of the synthetic G-band generator.

A domain is a dict of parameters describing one lab's slides, stain and
optics. Ranges are ``(low, high)`` and drawn uniformly; a single number
fixes the value. Parameters marked *per cell* are drawn once per metaphase
cell (one slide, one photograph), the others once per chromosome.

Parameters:

- ``canvas`` (int): side of the square crop in pixels.
- ``band_levels`` (tuple[int]): band levels (ISCN bands per haploid set)
  a cell may have; longer, less condensed cells get the higher ones.
- ``chr1_length`` (range, per cell): length of chromosome 1 in pixels,
  which sets the cell's scale; crops keep it, so length stays a cue.
- ``width`` (range, per cell): width of the pair of chromatids in pixels.
- ``length_jitter`` (float): standard deviation of a chromosome's relative
  length around its cell's scale (uneven condensation).
- ``heteromorphism`` (range): length factor of each variable
  heterochromatin block, stalk and satellite (``gvar`` / ``stalk``).
- ``split`` (range): distance between the sister chromatids' axes over the
  chromatid width; 1 is two touching chromatids.
- ``constriction`` (range): how much the centromere narrows the width.
- ``bend`` (range): total turning angle of the chromosome axis in degrees.
- ``rotation`` (range): rotation of the chromosome in degrees.
- ``flip`` (float): probability that the p-arm points down.
- ``band_softness`` (range, per cell): blur of band edges in pixels.
- ``stain_od`` (range, per cell): optical density of a fully stained
  (``gpos100``) chromatid at its axis.
- ``base_stain`` (range, per cell): stain of a ``gneg`` band relative to
  a ``gpos100`` one.
- ``texture`` (range, per cell): amplitude of the chromatin's grain.
- ``gamma`` (range, per cell): gamma of the camera's tone curve.
- ``black_level`` (range, per cell): grey level of zero transmission, as
  a fraction of white.
- ``blur`` (range, per cell): optical blur (Gaussian sigma) in pixels.
- ``noise`` (range, per cell): camera noise in grey levels on the
  chromosome.
- ``background`` (range, per cell): grey level of the slide around the
  chromosome; 255 is a masked crop on the white canvas.
- ``background_texture`` (range, per cell): amplitude of the slide's
  uneven illumination and debris, in grey levels.
- ``edge_cut`` (range, per cell): grey level above which the karyotyping
  software's mask sets pixels to white; 255 keeps them.
"""
import copy
from typing import Any, Dict, Union

from mmscl.datasets.categories import CHROMOSOME_CATEGORIES
from .band_map import BAND_LEVELS, get_band_map

# OGH-Fudan-like: 256x256 karyogram crops, upright, masked, crisp optics.
_INTERNAL = dict(
    canvas=256,
    band_levels=(400, 550),
    chr1_length=(140, 200),
    width=(17, 23),
    length_jitter=0.03,
    heteromorphism=(0.6, 1.3),
    split=(0.75, 1.0),
    constriction=(0.15, 0.3),
    bend=(0, 35),
    rotation=(-10, 10),
    flip=0.1,
    band_softness=(0.5, 1.0),
    stain_od=(1.6, 2.1),
    base_stain=(0.1, 0.18),
    texture=(0.1, 0.2),
    gamma=(0.9, 1.1),
    black_level=(0.0, 0.04),
    blur=(0.5, 0.9),
    noise=(2, 5),
    background=255,
    background_texture=0,
    edge_cut=(228, 240),
)

# ChrmNet-like: 300x300 crops from another lab: lower band level, softer
# and noisier optics, a flatter stain curve, more bending and turning, and
# the slide left around the chromosome.
_EXTERNAL = dict(
    canvas=300,
    band_levels=(300, 400),
    chr1_length=(150, 225),
    width=(20, 28),
    length_jitter=0.04,
    heteromorphism=(0.5, 1.4),
    split=(0.6, 0.9),
    constriction=(0.1, 0.25),
    bend=(0, 70),
    rotation=(-35, 35),
    flip=0.3,
    band_softness=(1.0, 1.8),
    stain_od=(1.4, 1.9),
    base_stain=(0.2, 0.3),
    texture=(0.15, 0.3),
    gamma=(0.65, 0.85),
    black_level=(0.04, 0.12),
    blur=(0.9, 1.4),
    noise=(4, 9),
    background=(232, 248),
    background_texture=(2, 8),
    edge_cut=255,
)

SYNTHETIC_DOMAINS: Dict[str, Dict[str, Any]] = dict(
    internal=_INTERNAL, external=_EXTERNAL)

# Allowed bounds of each numeric parameter.
_BOUNDS = dict(
    chr1_length=(8, 4096),
    width=(2, 512),
    length_jitter=(0, 0.2),
    heteromorphism=(0.1, 3),
    split=(0, 1.5),
    constriction=(0, 0.9),
    bend=(0, 120),
    rotation=(-180, 180),
    flip=(0, 1),
    band_softness=(0, 10),
    stain_od=(0.05, 5),
    base_stain=(0, 1),
    texture=(0, 1),
    gamma=(0.2, 5),
    black_level=(0, 0.9),
    blur=(0, 10),
    noise=(0, 64),
    background=(0, 255),
    background_texture=(0, 128),
    edge_cut=(0, 255),
)
_SCALARS = ('length_jitter', 'flip')
# A chromosome's length jitter is clipped at this many standard deviations.
MAX_JITTER_SIGMAS = 3


def _upper_bound(params: Dict[str, Any], key: str) -> float:
    """The high end of a parameter drawn from a ``(low, high)`` range, or
    its fixed value."""
    value = params[key]
    return value[1] if isinstance(value, tuple) else value


def _check_range(key: str, value: Any) -> None:
    low, high = _BOUNDS[key]
    if key in _SCALARS:
        values = [value]
    elif isinstance(value, (list, tuple)) and len(value) == 2:
        values = list(value)
        if not all(isinstance(v, (int, float)) for v in values) or \
                values[0] > values[1]:
            raise ValueError(f'Synthetic domain parameter {key!r} must be a '
                             f'number or a (low, high) range with low <= '
                             f'high, got {value!r}.')
    else:
        values = [value]
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or \
                not low <= v <= high:
            raise ValueError(f'Synthetic domain parameter {key!r} must be '
                             f'within [{low}, {high}], got {value!r}.')


def resolve_domain(domain: Union[str, Dict[str, Any]]) -> Dict[str, Any]:
    """Turn a domain name or a user-defined domain dict into a checked
    parameter dict.

    Args:
        domain (str | dict): A name in :data:`SYNTHETIC_DOMAINS`, or a dict
            of parameters overriding those of the domain named by its
            optional ``base`` key (default ``'internal'``), e.g.
            ``dict(base='internal', canvas=320, blur=1.5)``.

    Returns:
        dict: All parameters, ranges as ``(low, high)`` tuples.
    """
    if isinstance(domain, str):
        overrides, base = {}, domain
    elif isinstance(domain, dict):
        overrides = dict(domain)
        base = overrides.pop('base', 'internal')
    else:
        raise TypeError(f'A synthetic domain is a name or a dict, got '
                        f'{type(domain).__name__}.')
    if base not in SYNTHETIC_DOMAINS:
        raise ValueError(f'Unknown synthetic domain {base!r}; valid ones are '
                         f'{sorted(SYNTHETIC_DOMAINS)}.')
    params = copy.deepcopy(SYNTHETIC_DOMAINS[base])
    unknown = sorted(set(overrides) - set(params))
    if unknown:
        raise ValueError(f'Unknown synthetic domain parameters {unknown}; '
                         f'valid ones are {["base"] + sorted(params)}.')
    params.update(overrides)

    canvas = params['canvas']
    if isinstance(canvas, bool) or not isinstance(canvas, int) or \
            not 32 <= canvas <= 4096:
        raise ValueError(f'Synthetic domain parameter \'canvas\' must be an '
                         f'int in [32, 4096], got {canvas!r}.')
    levels = params['band_levels']
    if isinstance(levels, int):
        levels = (levels, )
    if not isinstance(levels, (list, tuple)) or not levels or \
            any(level not in BAND_LEVELS for level in levels):
        raise ValueError(f'Synthetic domain parameter \'band_levels\' must be '
                         f'a non-empty sequence of {BAND_LEVELS}, got '
                         f'{params["band_levels"]!r}.')
    params['band_levels'] = tuple(sorted(set(levels)))
    for key in _BOUNDS:
        _check_range(key, params[key])
        if isinstance(params[key], list):
            params[key] = tuple(params[key])

    longest = max_chromosome_length(params)
    width = _upper_bound(params, 'width')
    if longest + width > canvas:
        raise ValueError(
            f'Synthetic domain: the longest chromosome (up to '
            f'{longest:.0f} px long and {width} px wide) '
            f'does not fit the {canvas} px canvas; lower '
            f'\'chr1_length\' or \'heteromorphism\' or raise '
            f'\'canvas\'.')
    return params


def max_chromosome_length(params: Dict[str, Any]) -> float:
    """The longest a chromosome of a domain can be rendered, in pixels.

    Args:
        params (dict): Resolved domain parameters.

    Returns:
        float: The length at the largest scale, heteromorphism and
        length jitter.
    """
    px_per_mb = _upper_bound(params, 'chr1_length') / get_band_map('1').length
    heteromorphism = _upper_bound(params, 'heteromorphism')
    longest = 0.0
    for chrom in CHROMOSOME_CATEGORIES:
        bands = get_band_map(chrom).bands
        mb = sum(b.length for b in bands) + (heteromorphism - 1) * sum(
            b.length for b in bands if b.stain in ('gvar', 'stalk'))
        longest = max(longest, mb * px_per_mb)
    return longest * (1 + MAX_JITTER_SIGMAS * params['length_jitter'])
