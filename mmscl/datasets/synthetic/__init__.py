"""Synthetic G-banded chromosome datasets, mmscl's built-in default data."""
from .band_map import BAND_LEVELS, BandMap, get_band_map
from .domains import SYNTHETIC_DOMAINS, resolve_domain
from .generator import generate_synthetic_dataset
from .render import CellStyle, render_chromosome

__all__ = [
    'BAND_LEVELS', 'BandMap', 'CellStyle', 'SYNTHETIC_DOMAINS',
    'generate_synthetic_dataset', 'get_band_map', 'render_chromosome',
    'resolve_domain'
]
