import os.path as osp
from collections import Counter
from typing import Dict, List, Optional, Sequence, Union

from mmengine.logging import MMLogger
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

from .categories import CHROMOSOME_CATEGORIES
from .image_check import find_unreadable_images
from .readers import (FOLDER_NAMINGS, read_class_folders, read_csv,
                      read_karyotype_json)
from .reference_length import (CACHE_FILE_NAME, measure_lengths,
                               reference_lengths)
from .transforms.loading import LoadChromosomeImage
from .transforms.reference import REFERENCE_LEVELS

# check_images='auto' decodes every image at start-up up to this many
# (docs/data_formats.md gives the cost per 10k images).
IMAGE_CHECK_AUTO_LIMIT = 50000


def _examples(items: Sequence, num: int = 5) -> str:
    shown = ', '.join(repr(i) for i in items[:num])
    return shown + (f', ... ({len(items)} in all)' if len(items) > num else '')


@DATASETS.register_module()
class ChromosomeDataset(BaseDataset):
    """Single-chromosome crops labelled with one of the 24 human types.

    Classes are ``('1', ..., '22', 'X', 'Y')`` in karyotype order (label
    0..23). Three layouts are read, chosen by ``ann_file``, each by its
    reader in :mod:`mmscl.datasets.readers`:

    1. A CSV file (``*.csv``) with a header ``img_path,label`` and optional
       ``cell_id``, ``patient_id`` (or ``case_id``) columns; ``label`` is a
       type name ('7', 'X').
    2. The karyotype JSON (``*.json``) of the SCL authors:
       ``{"items": [{"kar_type": "normal", "kar_files": ["k1", ...],
       "k1": [["rel/path.png", label], ...]}, ...]}`` with labels 1..24
       (X = 23, Y = 24), one item per patient, one list per karyotype
       (cell).
    3. No ``ann_file``: one sub-folder of ``data_prefix`` per type, named as
       ``folder_naming`` declares: ``'zero_based'`` ('0'..'23', ChrmNet),
       ``'one_based'`` ('1'..'24') or ``'type_name'`` ('1'..'22', 'X',
       'Y'). Folder names are never sorted as strings. Hidden files and
       folders (``.DS_Store``, ``._name.png``, ``.ipynb_checkpoints/``)
       are not read.

    Image paths are relative to ``data_root`` joined with ``data_prefix``.
    Each data info holds ``img_path``, ``gt_label`` and, when known,
    ``cell_id`` and ``patient_id``.

    The annotation is checked when the dataset is built: a malformed file
    (bad JSON, a CSV row of the wrong length, text not UTF-8, an image path
    outside the image folder) raises an error naming the file and the row
    or item. Missing or undecodable image files, unknown labels and (in
    training) types without samples raise an error naming the first
    offenders, or, with ``on_invalid='warn'``, are reported with counts
    and the bad entries left out. A dataset left without entries is an
    error.

    Args:
        ann_file (str): CSV or JSON annotation file, or '' for folders.
        folder_naming (str, optional): Naming of class folders, required
            when ``ann_file`` is ''.
        skip_abnormal (bool): Skip JSON items whose ``kar_type`` is not
            ``'normal'`` (reported with their count). Defaults to True.
        check_files (bool): Check that every image file exists.
            Defaults to True.
        check_images (bool | str): Decode every image once when the
            dataset is built, as the pipeline's ``LoadChromosomeImage``
            will, to find unreadable files before training. ``'auto'``
            checks sets of up to :data:`IMAGE_CHECK_AUTO_LIMIT` images.
            Defaults to 'auto'.
        confine_to_root (bool): Refuse annotation paths that are absolute
            or climb out of the image folder with ``..``. Defaults to True.
        on_invalid (str): ``'error'`` or ``'warn'``. Defaults to 'error'.
        length_reference (str, optional): Measure every crop's chromosome
            length when the dataset is built and give each data info a
            ``ref_length`` that :class:`Letterbox` normalises its pixel
            scale by: the median length of the crop's group at the finest
            level the annotation offers from this one on, of
            :data:`REFERENCE_LEVELS`: ``'cell'``, then ``'patient'`` (the
            ``patient_id`` or ``case_id``), then ``'dataset'``; a group of
            fewer than ``MIN_CROPS_PER_GROUP`` measured crops falls back a
            level. Each data info also gets ``ref_level``, the level its
            reference came from, and ``ref_lengths`` and ``ref_levels``,
            the same for every level (for :class:`RandomReferenceLevel`
            and :class:`ReferenceScale`). The levels
            used are logged with their counts. The lengths are cached in
            ``.mmscl_lengths.json`` beside the annotation (or in the image
            folder), measured again for changed files. None measures
            nothing. Defaults to 'cell'.
        **kwargs: Other arguments of :class:`mmpretrain.datasets.BaseDataset`
            (``data_root``, ``data_prefix``, ``pipeline``, ``test_mode``...).
    """

    METAINFO = {'classes': CHROMOSOME_CATEGORIES}

    def __init__(self,
                 ann_file: str = '',
                 folder_naming: Optional[str] = None,
                 skip_abnormal: bool = True,
                 check_files: bool = True,
                 check_images: Union[bool, str] = 'auto',
                 confine_to_root: bool = True,
                 on_invalid: str = 'error',
                 length_reference: Optional[str] = 'cell',
                 **kwargs):
        if on_invalid not in ('error', 'warn'):
            raise ValueError("ChromosomeDataset: on_invalid must be 'error' "
                             f"or 'warn', got {on_invalid!r}.")
        if not ann_file and folder_naming not in FOLDER_NAMINGS:
            raise ValueError(
                'ChromosomeDataset: without ann_file the class folders are '
                f'read, and folder_naming must be one of '
                f'{list(FOLDER_NAMINGS)}, got {folder_naming!r}.')
        if check_images not in (True, False, 'auto'):
            raise ValueError("ChromosomeDataset: check_images must be True, "
                             f"False or 'auto', got {check_images!r}.")
        if ann_file and not ann_file.endswith(('.csv', '.json')):
            raise ValueError(f'ChromosomeDataset: ann_file {ann_file!r} '
                             'must be a .csv or .json file.')
        self.folder_naming = folder_naming
        self.skip_abnormal = skip_abnormal
        self.check_files = check_files
        self.check_images = check_images
        self.confine_to_root = confine_to_root
        self.on_invalid = on_invalid
        if length_reference not in (None, *REFERENCE_LEVELS):
            raise ValueError(
                f'ChromosomeDataset: length_reference must be one of '
                f'{REFERENCE_LEVELS} or None, got {length_reference!r}.')
        self.length_reference = length_reference
        super().__init__(ann_file=ann_file, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read the annotation into data infos, check them and give them
        their reference lengths."""
        if not self.ann_file:
            source = self.img_prefix
            entries, notes = read_class_folders(source, self.folder_naming)
        elif self.ann_file.endswith('.csv'):
            source = self.ann_file
            entries, notes = read_csv(source, self.img_prefix,
                                      self.confine_to_root)
        else:
            source = self.ann_file
            entries, notes = read_karyotype_json(
                source, self.img_prefix, self.confine_to_root,
                self.skip_abnormal)
        for note in notes:
            MMLogger.get_current_instance().warning(
                f'ChromosomeDataset({source}): {note}.')
        return self._add_reference_lengths(
            self._check(entries, source, notes))

    def prepare_data(self, idx: int):
        """Run the pipeline on a data info and give the packed data sample
        the crop's ``cell_id`` (metainfo), whatever the pipeline's
        ``PackInputs`` keeps, so that cell-level metrics can group the
        predictions by cell."""
        data_info = self.get_data_info(idx)
        cell_id = data_info.get('cell_id')
        data = self.pipeline(data_info)
        if cell_id is not None and isinstance(data, dict) and \
                'data_samples' in data:
            samples = data['data_samples']
            # TestTimeAug (tools/test.py --tta) packs a list of views.
            for sample in (samples if isinstance(samples, list) else
                           [samples]):
                sample.set_metainfo(dict(cell_id=cell_id))
        return data

    def _add_reference_lengths(self, data_list: List[dict]) -> List[dict]:
        """Give each data info its ``ref_length`` (``length_reference``)."""
        if self.length_reference is None or not data_list:
            return data_list
        cache_dir = (osp.dirname(self.ann_file) if self.ann_file else
                     self.img_prefix)
        lengths = measure_lengths([info['img_path'] for info in data_list],
                                  osp.join(cache_dir, CACHE_FILE_NAME),
                                  load=self._load_image)
        source = self.ann_file or self.img_prefix
        blank = [
            info['img_path'] for info, length in zip(data_list, lengths)
            if length == 0
        ]
        if len(blank) == len(data_list):
            raise ValueError(
                f'ChromosomeDataset({source}): no chromosome found in any '
                f'crop (e.g. {_examples(blank)}), so their pixel scale '
                'cannot be normalised: check that the files are readable '
                'crops, or set length_reference=None with a Letterbox '
                'canvas_size.')
        if blank:
            MMLogger.get_current_instance().warning(
                f'ChromosomeDataset({source}): no chromosome found in '
                f'{len(blank)} crop(s) (e.g. {_examples(blank)}); they take '
                'the reference length of their cell.')
        self._attach_references(data_list, lengths, source)
        return data_list

    def _attach_references(self, data_list: List[dict], lengths,
                           source: str) -> None:
        """Give each data info ``ref_length`` and ``ref_level`` (the
        reference of ``length_reference`` and the level it came from),
        ``ref_lengths`` and ``ref_levels`` (the same for every level), and
        log the levels used."""
        groupings = [[info.get(f'{level}_id') for info in data_list]
                     for level in REFERENCE_LEVELS[:-1]]
        by_level, used_by_level = {}, {}
        for first, level in enumerate(REFERENCE_LEVELS):
            references, used = reference_lengths(lengths, groupings[first:])
            by_level[level] = references
            used_by_level[level] = [REFERENCE_LEVELS[first + u] for u in used]
        counts = Counter(used_by_level[self.length_reference])
        MMLogger.get_current_instance().info(
            f'ChromosomeDataset({source}): reference length '
            f'({self.length_reference!r} level first) of {len(data_list)} '
            'crops by ' + ', '.join(f'{level}: {counts[level]}'
                                    for level in REFERENCE_LEVELS
                                    if counts[level]) + '.')
        for i, info in enumerate(data_list):
            info['ref_lengths'] = {
                level: float(by_level[level][i])
                for level in REFERENCE_LEVELS
            }
            info['ref_levels'] = {
                level: used_by_level[level][i]
                for level in REFERENCE_LEVELS
            }
            info['ref_length'] = info['ref_lengths'][self.length_reference]
            info['ref_level'] = info['ref_levels'][self.length_reference]

    @property
    def _load_image(self):
        """Reads one image as the pipeline's loader will."""
        loaders = [
            t for t in getattr(self.pipeline, 'transforms', [])
            if isinstance(t, LoadChromosomeImage)
        ]
        return (loaders[0] if loaders else LoadChromosomeImage()).load

    def _find_unreadable(self, entries: List[dict]) -> List[tuple]:
        """Decode the images of ``entries`` as the pipeline's loader will
        (``check_images``); return the (entry, error) of those that fail."""
        if self.check_images is False or (
                self.check_images == 'auto'
                and len(entries) > IMAGE_CHECK_AUTO_LIMIT):
            return []
        unreadable = find_unreadable_images(
            [e['img_path'] for e in entries], self._load_image)
        return [(entries[index], error) for index, error in unreadable]

    def _check(self, entries: List[dict], source: str,
               notes: List[str]) -> List[dict]:
        """Turn entries into data infos, reporting invalid ones (and with
        them the reader's ``notes`` on what it left out)."""
        problems: Dict[str, list] = {}
        class_to_idx = self.class_to_idx  # a property that builds a dict
        unknown = [e for e in entries if e['label'] not in class_to_idx]
        if unknown:
            problems['unknown label'] = [
                f"{e['img_path']}: {e['label']}" for e in unknown
            ]
        missing = [] if not self.check_files else [
            e for e in entries if not osp.isfile(e['img_path'])
        ]
        if missing:
            problems['missing image file'] = [e['img_path'] for e in missing]
        bad = {id(e) for e in unknown + missing}
        unreadable = self._find_unreadable(
            [e for e in entries if id(e) not in bad])
        if unreadable:
            problems['unreadable image'] = [
                error for _, error in unreadable
            ]
            bad.update(id(e) for e, _ in unreadable)
        data_list = []
        for e in entries:
            if id(e) in bad:
                continue
            info = dict(e, gt_label=class_to_idx[e['label']])
            del info['label']
            data_list.append(info)

        if not data_list and not problems:
            self._raise_empty(source, problems, notes)
        counts = Counter(info['gt_label'] for info in data_list)
        empty = [c for i, c in enumerate(self.CLASSES) if not counts[i]]
        logger = MMLogger.get_current_instance()
        if empty:
            message = f'no samples of type(s) {empty}'
            message += ''.join(f'; {note}' for note in notes)
            if self.test_mode:
                logger.warning(f'ChromosomeDataset({source}): {message}.')
            else:
                problems['empty type'] = [message]
        if problems:
            report = '; '.join(f'{len(v)} x {k} (e.g. {_examples(v)})'
                               for k, v in problems.items())
            if self.on_invalid == 'error':
                raise ValueError(
                    f'ChromosomeDataset({source}): {report}. Fix the '
                    "annotation, or set on_invalid='warn' to leave these "
                    'entries out.')
            logger.warning(f'ChromosomeDataset({source}): left out '
                           f'{len(bad)} of {len(entries)} entries: {report}.')
        if not data_list:
            self._raise_empty(source, problems, notes)
        return data_list

    def _raise_empty(self, source: str, problems: Dict[str, list],
                     notes: List[str]) -> None:
        """Refuse a dataset without entries, saying why it has none."""
        reasons = notes + [
            f'{len(v)} x {k}' for k, v in problems.items()
        ]
        raise ValueError(
            f'ChromosomeDataset({source}): no entries to '
            f'{"test" if self.test_mode else "train"} on' +
            (f' ({"; ".join(reasons)})'
             if reasons else ' (the annotation lists no crops)') + '.')
