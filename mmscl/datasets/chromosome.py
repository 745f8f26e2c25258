import os
import os.path as osp
from collections import Counter
from typing import Dict, List, Optional, Sequence, Union

from mmengine.logging import MMLogger
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

from ..utils import load_json
from .annotation import (drop_repeated_images, iter_annotation_csv,
                         join_image_path)
from .reference_length import (CACHE_FILE_NAME, measure_lengths,
                               reference_lengths)
from .categories import (CHROMOSOME_CATEGORIES, type_name_from_number,
                         type_names_by_number)
from .image_check import (find_unreadable_images, is_hidden,
                          readable_extensions)
from .transforms.loading import LoadChromosomeImage
from .transforms.reference import REFERENCE_LEVELS

IMG_EXTENSIONS = readable_extensions()

# Folder name -> type name, for each declared folder naming scheme.
FOLDER_NAMINGS = {
    'zero_based': type_names_by_number(first=0),
    'one_based': type_names_by_number(first=1),
    'type_name': {t: t for t in CHROMOSOME_CATEGORIES},
}
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
    0..23). Three layouts are read, chosen by ``ann_file``:

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
            level. Each data info also gets ``ref_lengths``, the reference
            at every level (for :class:`RandomReferenceLevel`). The levels
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
        # Why entries were left out before the checks, for the errors about
        # what is left.
        self._skip_notes: List[str] = []
        if length_reference not in (None, *REFERENCE_LEVELS):
            raise ValueError(
                f'ChromosomeDataset: length_reference must be one of '
                f'{REFERENCE_LEVELS} or None, got {length_reference!r}.')
        self.length_reference = length_reference
        super().__init__(ann_file=ann_file, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read the annotation into data infos, and check them."""
        if not self.ann_file:
            entries = self._read_folders()
        elif self.ann_file.endswith('.csv'):
            entries = self._read_csv()
        else:
            entries = self._read_karyotype_json()
        return self._add_reference_lengths(self._check(entries))

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
            data['data_samples'].set_metainfo(dict(cell_id=cell_id))
        return data

    def _join(self, path: str, where: str) -> str:
        """The image path of annotation entry ``where``, refused when
        ``confine_to_root`` and it leaves the image folder."""
        return join_image_path(
            path, self.img_prefix, where, self.confine_to_root,
            'set confine_to_root=False if you trust this annotation file')

    def _read_csv(self) -> List[dict]:
        entries = []
        for line, row in iter_annotation_csv(self.ann_file):
            where = f'{self.ann_file}, line {line}'
            info = dict(img_path=self._join(row['img_path'], where),
                        label=row['label'].strip())
            # A case id groups the cells of one person as a patient id does.
            for key, column in (('cell_id', 'cell_id'),
                                ('patient_id', 'patient_id'),
                                ('patient_id', 'case_id')):
                if row.get(column) and key not in info:
                    info[key] = row[column]
            entries.append(info)
        return entries

    def _read_karyotype_json(self) -> List[dict]:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'Annotation file not found: {self.ann_file}')
        items = self._read_json_items()
        entries = []
        skipped = Counter()
        for patient_idx, item in enumerate(items):
            where = f'{self.ann_file}, items[{patient_idx}]'
            if not isinstance(item, dict):
                raise ValueError(f'{where}: expected an object with '
                                 f'"kar_files", got {item!r:.80}.')
            if self.skip_abnormal and item.get('kar_type') != 'normal':
                skipped[repr(item['kar_type']) if 'kar_type' in item else
                        'no kar_type'] += 1
                continue
            patient_id = str(item.get('patient_id', patient_idx))
            kar_files = item.get('kar_files')
            if not (isinstance(kar_files, list)
                    and all(isinstance(kar, str) for kar in kar_files)):
                raise ValueError(f'{where}: "kar_files" must be a list of '
                                 f'names, got {kar_files!r:.80}.')
            for kar in kar_files:
                crops = item.get(kar)
                if not isinstance(crops, list):
                    raise ValueError(
                        f'{where}: "kar_files" names {kar!r} but the item '
                        f'has no list {kar!r}, got {crops!r:.80}.')
                for crop_idx, crop in enumerate(crops):
                    if not (isinstance(crop, list) and len(crop) == 2
                            and isinstance(crop[0], str)):
                        raise ValueError(
                            f'{where}[{kar!r}][{crop_idx}]: expected '
                            f'["image path", label 1..24], got '
                            f'{crop!r:.80}.')
                    path, label = crop
                    crop_where = f'items[{patient_idx}][{kar!r}][{crop_idx}]'
                    entries.append((crop_where, dict(
                        img_path=self._join(
                            path, f'{self.ann_file}, {crop_where}'),
                        label=self._json_type_name(label),
                        cell_id=f'{patient_id}/{kar}',
                        patient_id=patient_id)))
        if skipped:
            note = (f'skipped {sum(skipped.values())} of {len(items)} items '
                    'whose kar_type is not exactly "normal" (' + ', '.join(
                        f'{n} x {reason}' for reason, n in skipped.items()) +
                    '; skip_abnormal=False reads them)')
            self._skip_notes.append(note)
            MMLogger.get_current_instance().warning(
                f'ChromosomeDataset({self.ann_file}): {note}.')
        return [
            entries[index][1]
            for index in drop_repeated_images(entries, self.ann_file)
        ]

    def _read_json_items(self) -> list:
        """The ``items`` list of the karyotype JSON."""
        content = load_json(
            self.ann_file,
            'Expected {"items": [...]}, see ChromosomeDataset.')
        if not (isinstance(content, dict)
                and isinstance(content.get('items'), list)):
            found = (sorted(content) if isinstance(content, dict) else
                     type(content).__name__)
            raise ValueError(
                f'{self.ann_file}: expected an object with a list "items" '
                f'(the karyotype JSON, see ChromosomeDataset), found '
                f'{found}.')
        return content['items']

    @staticmethod
    def _json_type_name(label) -> str:
        """The type name of a JSON label (1..24, X = 23, Y = 24), or a
        description of a label that is none, reported as unknown."""
        if (isinstance(label, int) and not isinstance(label, bool)
                or isinstance(label, str) and label.isdigit()):
            try:
                return type_name_from_number(int(label))
            except ValueError:
                pass
        return f'{label!r} (JSON label, expected 1..24)'

    def _read_folders(self) -> List[dict]:
        root = self.img_prefix
        if not osp.isdir(root):
            raise FileNotFoundError(
                f'ChromosomeDataset: image folder not found: {root}')
        naming = FOLDER_NAMINGS[self.folder_naming]
        entries, not_read = [], Counter()
        for folder in sorted(os.listdir(root)):
            folder_path = osp.join(root, folder)
            if is_hidden(folder) or not osp.isdir(folder_path):
                continue
            label = naming.get(
                folder, f'{folder} (folder, naming {self.folder_naming!r})')
            for dirpath, dirnames, files in os.walk(folder_path):
                dirnames[:] = [d for d in dirnames if not is_hidden(d)]
                for name in sorted(files):
                    if is_hidden(name):
                        continue
                    if name.lower().endswith(IMG_EXTENSIONS):
                        entries.append(
                            dict(img_path=osp.join(dirpath, name),
                                 label=label))
                    else:
                        not_read[folder, osp.splitext(name)[1] or
                                 '(no extension)'] += 1
        if not_read:
            note = (f'left out {sum(not_read.values())} file(s) of formats '
                    'not read as images (' + ', '.join(
                        f'{n} x {ext!r} in {folder}/'
                        for (folder, ext), n in sorted(not_read.items())) +
                    '; readable: the formats Pillow decodes)')
            self._skip_notes.append(note)
            MMLogger.get_current_instance().warning(
                f'ChromosomeDataset({root}): {note}.')
        return entries

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
        """Give each data info ``ref_length`` (``length_reference``) and
        ``ref_lengths`` (every level's), and log the levels used."""
        groupings = [[info.get(f'{level}_id') for info in data_list]
                     for level in REFERENCE_LEVELS[:-1]]
        by_level = {}
        for first, level in enumerate(REFERENCE_LEVELS):
            references, used = reference_lengths(lengths, groupings[first:])
            by_level[level] = references
            if level == self.length_reference:
                counts = Counter(REFERENCE_LEVELS[first + u] for u in used)
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
            info['ref_length'] = info['ref_lengths'][self.length_reference]

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

    def _check(self, entries: List[dict]) -> List[dict]:
        """Turn entries into data infos, reporting invalid ones."""
        source = self.ann_file or self.img_prefix
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
            self._raise_empty(source, problems)
        counts = Counter(info['gt_label'] for info in data_list)
        empty = [c for i, c in enumerate(self.CLASSES) if not counts[i]]
        logger = MMLogger.get_current_instance()
        if empty:
            message = f'no samples of type(s) {empty}'
            message += ''.join(f'; {note}' for note in self._skip_notes)
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
            self._raise_empty(source, problems)
        return data_list

    def _raise_empty(self, source: str, problems: Dict[str, list]) -> None:
        """Refuse a dataset without entries, saying why it has none."""
        reasons = self._skip_notes + [
            f'{len(v)} x {k}' for k, v in problems.items()
        ]
        raise ValueError(
            f'ChromosomeDataset({source}): no entries to '
            f'{"test" if self.test_mode else "train"} on' +
            (f' ({"; ".join(reasons)})'
             if reasons else ' (the annotation lists no crops)') + '.')
