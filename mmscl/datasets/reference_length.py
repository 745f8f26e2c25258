"""Chromosome lengths of a dataset's crops, cached, and the reference length
that each crop's pixel scale is normalised by.

Labs image chromosomes at different pixel scales (microscope, camera,
condensation), so a model that reads length in pixels does not travel. What
does travel is relative length, the cue cytogeneticists use: each crop is
rescaled so that a reference length, the median chromosome length of its
cell (or of its patient, or of the whole dataset, when cells are unknown),
spans a fixed part of the model's input (:class:`~mmscl.datasets.transforms.Letterbox`).
"""
import fcntl
import hashlib
import json
import os
import os.path as osp
import time
from collections import defaultdict
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.logging import MMLogger

from .image_check import map_images
from .morphometry import measure_crop
from .transforms.loading import imread_grayscale

# A group with fewer measured crops than this takes the next coarser
# grouping's reference: the median of a handful of chromosomes says little
# about the scale.
MIN_CROPS_PER_GROUP = 10
CACHE_FILE_NAME = '.mmscl_lengths.json'
# Bump when the measurement changes, so that old caches are ignored.
CACHE_VERSION = 3
# Below this many crops to measure, the processes of a pool (started, not
# forked, each importing mmscl) cost more than they save.
_MIN_CROPS_FOR_POOL = 20000


def _file_key(path: str) -> Optional[List[int]]:
    """Size and modification time of a file, or None if it is gone."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def file_fingerprint(path: str) -> Optional[str]:
    """A hash of a file's bytes (a crop is read in microseconds), or None
    if it cannot be read."""
    try:
        with open(path, 'rb') as f:
            return hashlib.blake2b(f.read(), digest_size=8).hexdigest()
    except OSError:
        return None


class _LengthOf:
    """Picklable: the chromosome length in an image file read by ``load``
    (0 for an unreadable file, which is left to the start-up image check or
    the pipeline to report) and the file's fingerprint."""

    def __init__(self, load: Callable[[str], np.ndarray]):
        self.load = load

    def __call__(self, path: str) -> Tuple[float, Optional[str]]:
        try:
            img = self.load(path)
        except (OSError, ValueError):
            return 0., None
        return measure_crop(img)[0], file_fingerprint(path)


class LengthCache:
    """Measured chromosome lengths of image files, kept in a JSON file.

    An entry holds its file's size, modification time and fingerprint
    (:func:`file_fingerprint`), and the cache the folder it was written in.
    In that folder an entry is reused while its file has the same size and
    modification time; in another (the folder moved or copied with its
    cache, ``cp -p`` or tar keeping sizes and times) only while the file's
    content has the same fingerprint too, and the cache is rewritten for
    the new folder with the entries so confirmed. Anything else is measured
    again. Writes are atomic (a temporary file renamed), so runs side by
    side never leave a broken cache, and take a lock (``<cache>.lock``)
    under which the entries they wrote since this one was read are kept;
    a folder that cannot be written keeps no cache.

    Args:
        cache_file (str): The JSON file.
    """

    def __init__(self, cache_file: str):
        self.cache_file = cache_file
        self.root = osp.dirname(osp.abspath(cache_file))
        self.entries: Dict[str, list] = {}
        # The folder the entries were measured in.
        self.written_in: Optional[str] = None
        # Entries confirmed by content, when written in another folder.
        self._confirmed = set()
        self.entries, self.written_in = self._read()

    def _read(self) -> Tuple[Dict[str, list], Optional[str]]:
        """The entries of the cache file and the folder they were written
        in; none for a missing, broken or older cache."""
        try:
            with open(self.cache_file, encoding='utf-8') as f:
                content = json.load(f)
        except (OSError, ValueError):
            return {}, None
        if not isinstance(content, dict):
            return {}, None
        lengths = content.get('lengths')
        if content.get('version') != CACHE_VERSION or not isinstance(
                lengths, dict):
            return {}, None
        return lengths, content.get('root')

    @property
    def moved(self) -> bool:
        """Whether the entries were measured in another folder."""
        return bool(self.entries) and self.written_in != self.root

    def _key(self, path: str) -> str:
        return osp.relpath(osp.abspath(path), self.root)

    def get(self, path: str) -> Optional[float]:
        """The cached length of ``path``, or None if absent or stale."""
        key = self._key(path)
        entry = self.entries.get(key)
        if not isinstance(entry, list) or len(entry) != 4 or \
                entry[:2] != _file_key(path):
            return None
        if self.moved:
            if entry[2] != file_fingerprint(path):
                return None
            self._confirmed.add(key)
        return entry[3]

    def update(self, measured: Dict[str, Tuple[float, Optional[str]]]
               ) -> bool:
        """Add measured lengths and fingerprints and write the cache for
        this folder; False if it cannot be written."""
        if self.moved:
            self.entries = {key: self.entries[key] for key in self._confirmed}
        for path, (length, fingerprint) in measured.items():
            key = _file_key(path)
            # Unreadable or vanished files are measured again next time.
            if length > 0 and key is not None and fingerprint is not None:
                self.entries[self._key(path)] = key + [fingerprint, length]
        self.written_in = self.root
        tmp_file = f'{self.cache_file}.{os.getpid()}.tmp'
        try:
            # Runs side by side that measured other files wrote them since
            # this cache was read: keep their entries too.
            with open(f'{self.cache_file}.lock', 'a') as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                entries, written_in = self._read()
                if written_in == self.root:
                    self.entries = {**entries, **self.entries}
                with open(tmp_file, 'w', encoding='utf-8') as f:
                    json.dump(
                        dict(
                            version=CACHE_VERSION,
                            root=self.root,
                            lengths=self.entries), f)
                os.replace(tmp_file, self.cache_file)
        except OSError:
            if osp.exists(tmp_file):
                os.remove(tmp_file)
            return False
        return True


def measure_lengths(paths: Sequence[str],
                    cache_file: Optional[str] = None,
                    num_workers: Optional[int] = None,
                    load: Optional[Callable[[str], np.ndarray]] = None
                    ) -> np.ndarray:
    """Measure the chromosome length of every image, using and filling a
    cache.

    Args:
        paths (Sequence[str]): Image files.
        cache_file (str, optional): JSON cache (see :class:`LengthCache`).
            None measures everything and keeps nothing.
        num_workers (int, optional): Processes for the crops not in the
            cache (from 20k of them). Defaults to the CPUs, at most 8.
        load (Callable, optional): Reads one file into an HxW uint8
            image, e.g. a pipeline's :meth:`LoadChromosomeImage.load`, so
            that crops are measured as the model sees them. Defaults to
            :func:`imread_grayscale`.

    Returns:
        np.ndarray: The length in pixels of each image (0 where no
        chromosome was found or the file cannot be read).
    """
    logger = MMLogger.get_current_instance()
    cache = LengthCache(cache_file) if cache_file else None
    lengths = np.zeros(len(paths))
    todo = []
    for i, path in enumerate(paths):
        cached = cache.get(path) if cache else None
        if cached is None:
            todo.append(i)
        else:
            lengths[i] = cached
    if cache and cache.moved:
        logger.info(
            f'the length cache {cache_file} was written in '
            f'{cache.written_in}: {len(paths) - len(todo)} of its entries '
            'match the content of the crops here')
    if not todo:
        if cache:
            message = (f'the chromosome lengths of all {len(paths)} crops '
                       f'from the cache {cache_file}')
            if cache.moved and not cache.update({}):
                message += '; cannot rewrite it for this folder'
            logger.info(message)
        return lengths

    start = time.perf_counter()
    todo_paths = [paths[i] for i in todo]
    if num_workers is None:
        num_workers = min(8, os.cpu_count() or 1)
    if len(todo) < _MIN_CROPS_FOR_POOL:
        num_workers = 1
    measured = map_images(_LengthOf(load or imread_grayscale), todo_paths,
                          num_workers,
                          'Measuring chromosome lengths')
    lengths[todo] = [length for length, _ in measured]
    elapsed = time.perf_counter() - start
    message = (f'measured the chromosome length of {len(todo)} crops in '
               f'{elapsed:.1f} s with {num_workers} process(es) '
               f'({len(paths) - len(todo)} from the cache)')
    if cache and not cache.update(dict(zip(todo_paths, measured))):
        message += f'; cannot write the cache {cache_file}'
    logger.info(message)
    return lengths


def reference_lengths(lengths: np.ndarray,
                      groupings: Sequence[Sequence[Optional[str]]] = (),
                      min_crops: int = MIN_CROPS_PER_GROUP
                      ) -> Tuple[np.ndarray, np.ndarray]:
    """The reference length each crop's scale is normalised by, from the
    finest grouping that has enough measured crops.

    ``groupings`` go from fine to coarse (e.g. the cell ids, then the
    patient ids): a crop takes the median length of its group in the first
    grouping where it has a group of at least ``min_crops`` measured crops,
    and the median of the whole dataset when it has none. Crops where no
    chromosome was found (length 0) do not count.

    Args:
        lengths (np.ndarray): Length of each crop, (N, ).
        groupings (Sequence[Sequence[str | None]]): For each grouping, the
            group id of each crop (None if unknown), fine to coarse.
        min_crops (int): Measured crops a group needs to give its median.
            Defaults to :data:`MIN_CROPS_PER_GROUP`.

    Returns:
        tuple[np.ndarray, np.ndarray]: The reference length of each crop
        (N, ), and the grouping it came from (N, ): an index into
        ``groupings``, ``len(groupings)`` for the dataset.
    """
    measured = lengths > 0
    if not measured.any():
        raise ValueError('no chromosome was found in any crop, so there is '
                         'no reference length.')
    references = np.full(len(lengths), np.median(lengths[measured]))
    levels = np.full(len(lengths), len(groupings))
    # Coarse to fine, so that the finest grouping with enough crops wins.
    for level in reversed(range(len(groupings))):
        crops_of_group = defaultdict(list)
        for i, group in enumerate(groupings[level]):
            if group is not None:
                crops_of_group[group].append(i)
        for crops in crops_of_group.values():
            group_lengths = lengths[crops][measured[crops]]
            if len(group_lengths) >= min_crops:
                references[crops] = np.median(group_lengths)
                levels[crops] = level
    return references, levels
