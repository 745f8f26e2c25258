import json
import os
import os.path as osp
from collections import Counter
from typing import Dict, List, Optional, Sequence

from mmengine.logging import MMLogger
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

from .annotation import read_annotation_csv
from .categories import CHROMOSOME_CATEGORIES

IMG_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')

# Folder name -> type name, for each declared folder naming scheme.
FOLDER_NAMINGS = {
    'zero_based': {str(i): t for i, t in enumerate(CHROMOSOME_CATEGORIES)},
    'one_based': {str(i + 1): t for i, t in enumerate(CHROMOSOME_CATEGORIES)},
    'type_name': {t: t for t in CHROMOSOME_CATEGORIES},
}


def _examples(items: Sequence, num: int = 5) -> str:
    shown = ', '.join(repr(i) for i in items[:num])
    return shown + (f', ... ({len(items)} in all)' if len(items) > num else '')


@DATASETS.register_module()
class ChromosomeDataset(BaseDataset):
    """Single-chromosome crops labelled with one of the 24 human types.

    Classes are ``('1', ..., '22', 'X', 'Y')`` in karyotype order (label
    0..23). Three layouts are read, chosen by ``ann_file``:

    1. A CSV file (``*.csv``) with a header ``img_path,label`` and optional
       ``cell_id``, ``patient_id`` columns; ``label`` is a type name
       ('7', 'X').
    2. The karyotype JSON (``*.json``) of the SCL authors:
       ``{"items": [{"kar_type": "normal", "kar_files": ["k1", ...],
       "k1": [["rel/path.png", label], ...]}, ...]}`` with labels 1..24
       (X = 23, Y = 24), one item per patient, one list per karyotype
       (cell).
    3. No ``ann_file``: one sub-folder of ``data_prefix`` per type, named as
       ``folder_naming`` declares: ``'zero_based'`` ('0'..'23', ChrmNet),
       ``'one_based'`` ('1'..'24') or ``'type_name'`` ('1'..'22', 'X',
       'Y'). Folder names are never sorted as strings.

    Image paths are relative to ``data_root`` joined with ``data_prefix``.
    Each data info holds ``img_path``, ``gt_label`` and, when known,
    ``cell_id`` and ``patient_id``.

    The annotation is checked when the dataset is built: missing image
    files, unknown labels and (in training) types without samples raise an
    error naming the first offenders, or, with ``on_invalid='warn'``, are
    reported with counts and the bad entries left out.

    Args:
        ann_file (str): CSV or JSON annotation file, or '' for folders.
        folder_naming (str, optional): Naming of class folders, required
            when ``ann_file`` is ''.
        skip_abnormal (bool): Skip JSON items whose ``kar_type`` is not
            ``'normal'``. Defaults to True.
        check_files (bool): Check that every image file exists.
            Defaults to True.
        on_invalid (str): ``'error'`` or ``'warn'``. Defaults to 'error'.
        **kwargs: Other arguments of :class:`mmpretrain.datasets.BaseDataset`
            (``data_root``, ``data_prefix``, ``pipeline``, ``test_mode``...).
    """

    METAINFO = {'classes': CHROMOSOME_CATEGORIES}

    def __init__(self,
                 ann_file: str = '',
                 folder_naming: Optional[str] = None,
                 skip_abnormal: bool = True,
                 check_files: bool = True,
                 on_invalid: str = 'error',
                 **kwargs):
        if on_invalid not in ('error', 'warn'):
            raise ValueError("ChromosomeDataset: on_invalid must be 'error' "
                             f"or 'warn', got {on_invalid!r}.")
        if not ann_file and folder_naming not in FOLDER_NAMINGS:
            raise ValueError(
                'ChromosomeDataset: without ann_file the class folders are '
                f'read, and folder_naming must be one of '
                f'{list(FOLDER_NAMINGS)}, got {folder_naming!r}.')
        if ann_file and not ann_file.endswith(('.csv', '.json')):
            raise ValueError(f'ChromosomeDataset: ann_file {ann_file!r} '
                             'must be a .csv or .json file.')
        self.folder_naming = folder_naming
        self.skip_abnormal = skip_abnormal
        self.check_files = check_files
        self.on_invalid = on_invalid
        super().__init__(ann_file=ann_file, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read the annotation into data infos, and check them."""
        if not self.ann_file:
            entries = self._read_folders()
        elif self.ann_file.endswith('.csv'):
            entries = self._read_csv()
        else:
            entries = self._read_karyotype_json()
        return self._check(entries)

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

    def _join(self, path: str) -> str:
        return path if osp.isabs(path) else osp.join(self.img_prefix, path)

    def _read_csv(self) -> List[dict]:
        entries = []
        for row in read_annotation_csv(self.ann_file):
            info = dict(img_path=self._join(row['img_path']),
                        label=row['label'].strip())
            for key in ('cell_id', 'patient_id'):
                if row.get(key):
                    info[key] = row[key]
            entries.append(info)
        return entries

    def _read_karyotype_json(self) -> List[dict]:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'Annotation file not found: {self.ann_file}')
        with open(self.ann_file, encoding='utf-8') as f:
            items = json.load(f)['items']
        entries = []
        for patient_idx, item in enumerate(items):
            if self.skip_abnormal and item.get('kar_type') != 'normal':
                continue
            patient_id = str(item.get('patient_id', patient_idx))
            for kar in item['kar_files']:
                for path, label in item[kar]:
                    # JSON labels are 1..24 with X = 23 and Y = 24.
                    type_name = (
                        CHROMOSOME_CATEGORIES[int(label) - 1]
                        if str(label).isdigit() and
                        1 <= int(label) <= len(CHROMOSOME_CATEGORIES) else
                        f'{label} (JSON label, expected 1..24)')
                    entries.append(
                        dict(img_path=self._join(path), label=type_name,
                             cell_id=f'{patient_id}/{kar}',
                             patient_id=patient_id))
        return entries

    def _read_folders(self) -> List[dict]:
        root = self.img_prefix
        if not osp.isdir(root):
            raise FileNotFoundError(
                f'ChromosomeDataset: image folder not found: {root}')
        naming = FOLDER_NAMINGS[self.folder_naming]
        entries = []
        for folder in sorted(os.listdir(root)):
            folder_path = osp.join(root, folder)
            if not osp.isdir(folder_path):
                continue
            label = naming.get(
                folder, f'{folder} (folder, naming {self.folder_naming!r})')
            for dirpath, _, files in os.walk(folder_path):
                entries.extend(
                    dict(img_path=osp.join(dirpath, name), label=label)
                    for name in sorted(files)
                    if name.lower().endswith(IMG_EXTENSIONS))
        return entries

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
        data_list = []
        for e in entries:
            if id(e) in bad:
                continue
            info = dict(e, gt_label=class_to_idx[e['label']])
            del info['label']
            data_list.append(info)

        counts = Counter(info['gt_label'] for info in data_list)
        empty = [c for i, c in enumerate(self.CLASSES) if not counts[i]]
        logger = MMLogger.get_current_instance()
        if empty:
            message = f'no samples of type(s) {empty}'
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
        return data_list
