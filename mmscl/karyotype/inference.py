"""Scoring the crops of whole cells with a trained classifier.

The crops go through a :class:`~mmscl.datasets.ChromosomeDataset` built
with the config's test pipeline (and its other dataset settings), so that
whatever the dataset computes per crop (e.g. a cell's reference length) is
there, exactly as in ``tools/test.py``.
"""
import inspect
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import BaseDataset as EngineBaseDataset
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmscl.apis import score_dataset
from mmscl.datasets.annotation import (cell_ids_within_patients, group_ids,
                                       iter_annotation_csv, join_image_path,
                                       write_annotation_csv)
from mmscl.datasets.categories import CHROMOSOME_CATEGORIES
from mmscl.datasets.chromosome import ChromosomeDataset
from mmscl.datasets.readers import IMG_EXTENSIONS
from mmscl.engine.adaptation import adapt_batchnorm

CELL_CSV_COLUMNS = ('img_path', 'cell_id')
# ChromosomeDataset needs a type name per crop; unlabelled crops get this
# one, which nothing reads.
PLACEHOLDER_LABEL = CHROMOSOME_CATEGORIES[0]


@dataclass
class CellCrops:
    """The crops of the cells to karyotype, and their scores once scored.

    Args:
        img_paths (list[str]): Image file of every crop.
        cell_ids (list[str]): Cell of every crop.
        labels (np.ndarray, optional): True label indices, shape (N, ), when
            the input names them.
        scores (np.ndarray, optional): Softmax scores, shape (N, 24).
    """
    img_paths: List[str]
    cell_ids: List[str]
    labels: Optional[np.ndarray] = None
    scores: Optional[np.ndarray] = None


def _images_in(folder: str) -> List[str]:
    return sorted(
        osp.join(folder, name) for name in os.listdir(folder)
        if not name.startswith('.') and name.lower().endswith(IMG_EXTENSIONS)
        and osp.isfile(osp.join(folder, name)))


def _read_cell_csv(path: str) -> CellCrops:
    """The crops of a cell CSV, read as a dataset's annotation is (see
    :func:`~mmscl.datasets.annotation.iter_annotation_csv`), paths confined
    to the CSV's folder; labels given for every crop or for none."""
    root = osp.dirname(osp.abspath(path))
    rows = list(iter_annotation_csv(path, CELL_CSV_COLUMNS))
    if not rows:
        raise ValueError(f'{path}: no crops listed.')
    img_paths = [
        join_image_path(row['img_path'], root, f'{path}, line {line}')
        for line, row in rows
    ]
    cells, notes = cell_ids_within_patients(
        [group_ids(row) for _, row in rows])
    for note in notes:
        MMLogger.get_current_instance().warning(f'{path}: {note}.')
    crops = CellCrops(img_paths, cells)
    unlabelled = [line for line, row in rows if not row.get('label')]
    if len(unlabelled) == len(rows):
        return crops
    if unlabelled:
        raise ValueError(
            f'{path}, line {unlabelled[0]}: empty label, while '
            f'{len(rows) - len(unlabelled)} of {len(rows)} crops have one '
            f'({len(unlabelled)} without, e.g. lines '
            f'{", ".join(map(str, unlabelled[:5]))}): give every crop its '
            'label, or none.')
    unknown = [(line, row['label']) for line, row in rows
               if row['label'] not in CHROMOSOME_CATEGORIES]
    if unknown:
        raise ValueError(
            f'{path}, line {unknown[0][0]}: unknown type name '
            f'{unknown[0][1]!r} in column label ({len(unknown)} such rows); '
            f'expected one of {CHROMOSOME_CATEGORIES}.')
    crops.labels = np.array(
        [CHROMOSOME_CATEGORIES.index(row['label']) for _, row in rows])
    return crops


def read_cell_crops(path: str) -> CellCrops:
    """Find the crops and cells of a karyotyping input.

    Args:
        path (str): A folder of one cell's crops (the cell is named after
            the folder), a folder of such cell folders, or a CSV with the
            columns ``img_path`` (relative to the CSV's folder) and
            ``cell_id``, and optionally ``label`` (type names).

    Returns:
        CellCrops: The crops, unscored.
    """
    if osp.isfile(path) and path.lower().endswith('.csv'):
        return _read_cell_csv(path)
    if not osp.isdir(path):
        raise FileNotFoundError(
            f'Karyotyping input {path} is neither a folder nor a .csv file.')
    folder = osp.abspath(path)
    images = _images_in(folder)
    if images:
        return CellCrops(images, [osp.basename(folder)] * len(images))
    img_paths, cell_ids = [], []
    for name in sorted(os.listdir(folder)):
        cell_folder = osp.join(folder, name)
        if name.startswith('.') or not osp.isdir(cell_folder):
            continue
        cell_images = _images_in(cell_folder)
        img_paths += cell_images
        cell_ids += [name] * len(cell_images)
    if not img_paths:
        raise ValueError(
            f'{path} holds no crops (image files of a format Pillow '
            'decodes: .png, .tif, .jpg, .webp...), neither directly nor in '
            'cell sub-folders.')
    return CellCrops(img_paths, cell_ids)


def crop_dataset_config(cfg: Config, ann_file: str, data_root: str) -> dict:
    """A :class:`ChromosomeDataset` over an annotation CSV with the
    config's test pipeline and those of its test dataset's settings that a
    ``ChromosomeDataset`` takes (e.g. ``length_reference``), in test mode.
    """
    if 'test_dataloader' not in cfg:
        raise KeyError(f'{cfg.filename} has no test_dataloader: its test '
                       'pipeline is what the crops go through.')
    test_dataset = cfg.test_dataloader.dataset
    accepted = set(inspect.signature(ChromosomeDataset).parameters) | set(
        inspect.signature(EngineBaseDataset).parameters)
    # The split and the crops' location are ours; the rest is the config's.
    ours = {'ann_file', 'data_root', 'data_prefix', 'folder_naming',
            'indices', 'test_mode', 'pipeline', 'serialize_data'}
    kept = {k: v for k, v in test_dataset.items()
            if k in accepted and k not in ours}
    return dict(
        type='ChromosomeDataset',
        ann_file=ann_file,
        data_root=data_root,
        data_prefix='',
        test_mode=True,
        pipeline=test_dataset.pipeline,
        # Read once in this process: pickling the list for workers to
        # share would only cost time.
        serialize_data=False,
        **kept)


def score_cell_crops(model: torch.nn.Module,
                     cfg: Config,
                     crops: CellCrops,
                     tmp_dir: str,
                     batch_size: int = 64,
                     adapt_shift_scale: Optional[float] = None) -> CellCrops:
    """Score every crop with a classifier through the config's test
    pipeline.

    Args:
        model (nn.Module): An ``ImageClassifier`` in eval mode.
        cfg (Config): Its config.
        crops (CellCrops): The crops to score.
        tmp_dir (str): A folder for the annotation CSV the dataset reads
            (and any cache it writes).
        batch_size (int): Crops per forward pass. Defaults to 64.
        adapt_shift_scale (float, optional): Adapt the model's BatchNorm
            statistics to the crops first
            (:func:`~mmscl.engine.adaptation.adapt_batchnorm` with this
            ``shift_scale``). None: no adaptation. Defaults to None.

    Returns:
        CellCrops: ``crops`` with the scores of every crop, in its order.
    """
    data_root = osp.commonpath([osp.dirname(p) for p in crops.img_paths])
    labels = (crops.labels if crops.labels is not None else [
        CHROMOSOME_CATEGORIES.index(PLACEHOLDER_LABEL)
    ] * len(crops.img_paths))
    ann_file = osp.join(tmp_dir, 'crops.csv')
    write_annotation_csv(ann_file, [
        dict(img_path=osp.relpath(path, data_root),
             label=CHROMOSOME_CATEGORIES[label], cell_id=cell_id)
        for path, label, cell_id in zip(crops.img_paths, labels,
                                        crops.cell_ids)
    ])
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    loader = Runner.build_dataloader(
        dict(
            batch_size=batch_size,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=crop_dataset_config(cfg, ann_file, data_root)))
    if adapt_shift_scale is not None:
        adapt_batchnorm(model, loader, adapt_shift_scale)
    scored = score_dataset(model, loader)
    score_of: Dict[str, np.ndarray] = {
        osp.normpath(path): score
        for path, score in zip(scored.img_paths, scored.scores)
    }
    missing = [p for p in crops.img_paths if osp.normpath(p) not in score_of]
    if missing:
        raise RuntimeError(
            f'{len(missing)} crops were left out by the dataset (see its '
            f'warnings), e.g. {missing[0]}.')
    crops.scores = np.stack(
        [score_of[osp.normpath(p)] for p in crops.img_paths])
    return crops
