"""G-band maps (ideograms) of the 24 human chromosome types.

The bands come from the UCSC cytoband tables shipped as data of the
``pyryotype`` package. Its hg38 table has no ``chrX`` / ``chrY``, so
those two are read from its T2T-CHM13 table, which uses the same ISCN band
names and stain classes. The raw tables are at about the 850 band level;
lower band levels (more condensed chromosomes) are derived by merging
neighbouring sub-bands, the finest siblings first, as in the ISCN ideograms.
"""
import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

from mmscl.datasets.categories import CHROMOSOME_CATEGORIES

# Darkness of a band of each Giemsa stain class, 0 (white) to 1 (black).
STAIN_DARKNESS = {
    'gneg': 0.0,
    'gpos25': 0.25,
    'gpos50': 0.5,
    'gpos75': 0.75,
    'gpos100': 1.0,
    'acen': 0.45,
    'gvar': 0.8,
    'stalk': 0.0,
}
# Bands that are chromosome structure, not G-bands; they are never merged.
STRUCTURAL_STAINS = ('acen', 'gvar', 'stalk')
BAND_LEVELS = (300, 400, 550, 700, 850)
# The raw tables hold 860 bands per haploid set; they are the 850 level.
_RAW_BAND_COUNT = 860
_TABLES = (('cytobands_hg38.bed', CHROMOSOME_CATEGORIES[:22]),
           ('cytobands_chm13.bed', CHROMOSOME_CATEGORIES[22:]))


@dataclass(frozen=True)
class Band:
    """One band of a chromosome.

    Args:
        name (str): ISCN band name, e.g. ``'p36.3'`` (a merged band has the
            common prefix of its sub-bands).
        start (float): Start in Mb from the p-arm telomere.
        end (float): End in Mb.
        stain (str): Stain class of the raw table; ``'merged'`` for a band
            merged from sub-bands of different classes.
        darkness (float): Mean stain darkness, 0 to 1, weighted by length.
    """
    name: str
    start: float
    end: float
    stain: str
    darkness: float

    @property
    def length(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class BandMap:
    """The bands of one chromosome type at one band level.

    Args:
        chrom (str): The type name, ``'1'`` .. ``'22'``, ``'X'``, ``'Y'``.
        band_level (int): The band level, one of :data:`BAND_LEVELS`.
        bands (tuple[Band]): The bands from the p-arm to the q-arm telomere.
    """
    chrom: str
    band_level: int
    bands: Tuple[Band, ...]

    @property
    def length(self) -> float:
        """Length in Mb."""
        return self.bands[-1].end

    @property
    def centromere(self) -> float:
        """Position of the centromere (the p/q boundary) in Mb."""
        return next(b.start for b in self.bands if b.name.startswith('q'))

    @property
    def is_acrocentric(self) -> bool:
        """Whether the p-arm carries a stalk and satellite."""
        return any(b.stain == 'stalk' for b in self.bands)


def _static_folder() -> Path:
    # Located without importing pyryotype, which would import matplotlib
    # and pandas only to read two text files.
    spec = importlib.util.find_spec('pyryotype')
    if spec is None or not spec.submodule_search_locations:
        raise ImportError('The synthetic chromosome generator reads its band '
                          'maps from the pyryotype package: pip install '
                          'pyryotype')
    return Path(spec.submodule_search_locations[0]) / 'static'


@functools.lru_cache(maxsize=None)
def _raw_bands() -> Dict[str, Tuple[Band, ...]]:
    static = _static_folder()
    bands: Dict[str, List[Band]] = {}
    for table, chroms in _TABLES:
        wanted = {f'chr{c}': c for c in chroms}
        for line in (static / table).read_text().splitlines():
            fields = line.split('\t')
            if fields[0] not in wanted:
                continue
            if fields[4] not in STAIN_DARKNESS:
                raise ValueError(f'pyryotype {table}: unknown stain class '
                                 f'{fields[4]!r} in line {line!r}.')
            bands.setdefault(wanted[fields[0]], []).append(
                Band(fields[3],
                     int(fields[1]) / 1e6,
                     int(fields[2]) / 1e6, fields[4],
                     STAIN_DARKNESS[fields[4]]))
    missing = [c for c in CHROMOSOME_CATEGORIES if c not in bands]
    if missing:
        raise ValueError(f'The pyryotype cytoband tables lack the '
                         f'chromosomes {missing}.')
    return {c: tuple(bands[c]) for c in CHROMOSOME_CATEGORIES}


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _merge(a: Band, b: Band) -> Band:
    length = a.length + b.length
    return Band(
        name=_common_prefix(a.name, b.name).rstrip('.'),
        start=a.start,
        end=b.end,
        stain=a.stain if a.stain == b.stain else 'merged',
        darkness=(a.darkness * a.length + b.darkness * b.length) / length)


@functools.lru_cache(maxsize=None)
def get_band_map(chrom: str, band_level: int = 850) -> BandMap:
    """The band map of a chromosome type at a band level.

    Down to the target band count (the raw count scaled by
    ``band_level / 850``), the two neighbouring G-bands of one arm with the
    longest common name (the finest siblings, e.g. ``p36.33`` and
    ``p36.32``) are merged, the shortest pair first.

    Args:
        chrom (str): The type name, ``'1'`` .. ``'22'``, ``'X'``, ``'Y'``.
        band_level (int): One of :data:`BAND_LEVELS`. Defaults to 850.

    Returns:
        BandMap: The band map.
    """
    if chrom not in CHROMOSOME_CATEGORIES:
        raise ValueError(f'Unknown chromosome type {chrom!r}; expected one '
                         f'of {CHROMOSOME_CATEGORIES}.')
    if band_level not in BAND_LEVELS:
        raise ValueError(f'Unknown band level {band_level!r}; expected one '
                         f'of {BAND_LEVELS}.')
    bands = list(_raw_bands()[chrom])
    target = round(len(bands) * band_level / _RAW_BAND_COUNT)
    while len(bands) > target:
        best = None
        for i, (a, b) in enumerate(zip(bands[:-1], bands[1:])):
            if (a.stain in STRUCTURAL_STAINS or b.stain in STRUCTURAL_STAINS
                    or a.name[0] != b.name[0]):
                continue
            key = (-len(_common_prefix(a.name, b.name)), a.length + b.length)
            if best is None or key < best[0]:
                best = (key, i)
        if best is None:
            break
        i = best[1]
        bands[i:i + 2] = [_merge(bands[i], bands[i + 1])]
    return BandMap(chrom, band_level, tuple(bands))
