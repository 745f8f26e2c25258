"""Finding the image files that cannot be loaded, before training starts.

:func:`find_unreadable_images` decodes every image once, as the pipeline
will, so that a zero-byte, truncated, mislabelled or oversized file is
reported when a dataset is built (or a converter runs) rather than when
the pipeline first loads it, possibly hours into training.
:func:`is_hidden` and :func:`list_visible` keep hidden files (``.DS_Store``,
``._name.png``) out of the crops that datasets and converters list.
"""
import os
from typing import Callable, List, Optional, Sequence, Tuple

from PIL import Image, ImageFile
from tqdm import tqdm

from ..utils.processes import map_in_processes
from .transforms.loading import LoadChromosomeImage

# Fewer images than this are checked without a progress bar.
_PROGRESS_MIN_IMAGES = 1000


# Formats Pillow lists but does not decode itself: video, and PostScript
# (which needs Ghostscript).
_NOT_IMAGE_FORMATS = ('MPEG', 'EPS')


def readable_extensions() -> Tuple[str, ...]:
    """The file extensions of the image formats Pillow decodes (``.png``,
    ``.tif``, ``.webp``, ``.jp2``...), lower case: those that datasets and
    tools read as crops. Stub formats that need a handler, video and
    PostScript are left out.

    Returns:
        tuple[str]: The extensions, sorted.
    """
    Image.init()

    def decoded(fmt):
        factory = Image.OPEN[fmt][0]
        return fmt not in _NOT_IMAGE_FORMATS and not (
            isinstance(factory, type)
            and issubclass(factory, ImageFile.StubImageFile))

    return tuple(
        sorted(ext for ext, fmt in Image.registered_extensions().items()
               if fmt in Image.OPEN and decoded(fmt)))


def is_hidden(name: str) -> bool:
    """Whether a file or folder name is hidden (``.DS_Store``,
    ``.ipynb_checkpoints``, macOS ``._name.png`` resource forks): never a
    crop or a class folder."""
    return name.startswith('.')


def list_visible(folder: str) -> List[str]:
    """The names in ``folder`` that are not hidden, sorted."""
    return sorted(name for name in os.listdir(folder) if not is_hidden(name))


def map_images(function: Callable[[str], object],
               paths: Sequence[str],
               workers: int = 1,
               desc: Optional[str] = None) -> list:
    """``function(path)`` for every path, in order, in ``workers``
    processes (1: in this one), with a progress bar titled ``desc`` for
    1000 paths or more (None: no bar).

    No tqdm object is made when no bar is shown: even a disabled one starts
    tqdm's monitor thread, and the worker processes are started by a fork
    server because a fork of a process running threads can deadlock.

    Args:
        function (Callable): A picklable function of a path.
        paths (Sequence[str]): The image files.
        workers (int): Processes. Defaults to 1.
        desc (str, optional): Title of the progress bar. Defaults to None.

    Returns:
        list: The result for each path.
    """

    def progress(iterable):
        if desc is None or len(paths) < _PROGRESS_MIN_IMAGES:
            return iterable
        return tqdm(iterable, total=len(paths), desc=desc, unit='image')

    if workers <= 1 or len(paths) <= 1:
        return [function(path) for path in progress(paths)]
    return map_in_processes(function, paths, workers,
                            chunksize=max(1, len(paths) // (workers * 8)),
                            progress=progress)


class _LoadErrorOf:
    """Picklable: the message of the error ``load(path)`` raises, or None
    if it loads."""

    def __init__(self, load: Callable[[str], object]):
        self.load = load

    def __call__(self, path: str) -> Optional[str]:
        try:
            self.load(path)
        except (OSError, ValueError) as e:
            return str(e)
        return None


def find_unreadable_images(
        paths: Sequence[str],
        load: Optional[Callable[[str], object]] = None,
        workers: int = 1,
        progress: bool = True) -> List[Tuple[int, str]]:
    """Decode every image once and return the ones that fail.

    Args:
        paths (Sequence[str]): The image files.
        load (Callable, optional): Reads one file, raising OSError or
            ValueError when it cannot, e.g. a pipeline's
            :meth:`LoadChromosomeImage.load`. Defaults to that of
            ``LoadChromosomeImage()``.
        workers (int): Decoding processes; 1 decodes in this process.
            Defaults to 1.
        progress (bool): Show a progress bar (for 1000 images or more).
            Defaults to True.

    Returns:
        list[tuple[int, str]]: The index in ``paths`` and the error of each
        file that cannot be loaded.
    """
    errors = map_images(
        _LoadErrorOf(load or LoadChromosomeImage().load), paths, workers,
        'Checking images' if progress else None)
    return [(index, error) for index, error in enumerate(errors) if error]
