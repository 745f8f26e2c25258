"""Refusing splits that share crops or cells: a model tested on crops, or
cells, it trained on reports figures it cannot reach on new cells."""
import copy
import os.path as osp
from typing import List, Optional, Set, Tuple

from mmengine.dataset import BaseDataset
from mmengine.logging import MMLogger
from mmpretrain.registry import DATASETS

from .annotation import patient_and_cell
from .chromosome import ChromosomeDataset, _examples

# Dataset settings that only check or enrich the entries: off when a split
# is read just for its image paths and cell ids.
_LISTING_ONLY = dict(check_files=False, check_images=False,
                     length_reference=None)


class SplitListing:
    """What a split lists: its images and, where its annotation names
    them, its cells.

    Args:
        name (str): The split's name, e.g. 'test'.
        dataset (BaseDataset): The split's dataset.
    """

    def __init__(self, name: str, dataset: BaseDataset):
        self.name = name
        self.source = (getattr(dataset, 'ann_file', '')
                       or getattr(dataset, 'img_prefix', '')
                       or type(dataset).__name__)
        infos = [dataset.get_data_info(i) for i in range(len(dataset))]
        self.images = {
            osp.normpath(osp.abspath(info['img_path']))
            for info in infos if 'img_path' in info
        }
        # Cell ids are only compared between CSV annotations of one image
        # folder: a karyotype JSON numbers its patients from 0 in each
        # file, and other datasets' ids may coincide.
        self.cell_space: Optional[str] = None
        if isinstance(dataset, ChromosomeDataset) and str(
                dataset.ann_file).endswith('.csv'):
            self.cell_space = osp.abspath(dataset.img_prefix)
        # A cell is known by its patient and its id: labs may number each
        # patient's cells anew.
        self.cells: Set[Tuple[Optional[str], str]] = {
            patient_and_cell(info) for info in infos if 'cell_id' in info
        } if self.cell_space else set()


def check_disjoint_splits(train: SplitListing,
                          others: List[SplitListing]) -> None:
    """Refuse splits that share images, or cells, with the training split.

    Args:
        train (SplitListing): The training split.
        others (list[SplitListing]): The validation and test splits.
    """
    problems = []
    for other in others:
        # (what the other set holds, of what, how an example is named)
        overlaps = [(train.images & other.images, '', 'images', '')]
        if other.cell_space and other.cell_space == train.cell_space:
            overlaps.append(
                (train.cells & other.cells, 'crops of ', 'cells', 'cell_id '))
        for shared, holds, items, example in overlaps:
            if shared:
                problems.append(
                    f'the {other.name} set ({other.source}) holds {holds}'
                    f'{len(shared)} of the training set\'s {items}, e.g. '
                    f'{example}{_examples(_named(shared), 3)}')
    if problems:
        raise ValueError(
            f'Training set ({train.source}) and evaluation sets overlap: ' +
            '; '.join(problems) + '. A model evaluated on crops or cells it '
            'trained on reports figures it cannot reach on new cells: split '
            'by cell (the converters in tools/dataset_converters do).')


def _named(shared: set) -> List[str]:
    """Shared images, or shared cells as '<patient_id>/<cell_id>' (or
    their cell id alone without a patient), sorted."""
    return sorted(item if isinstance(item, str) else
                  '/'.join(i for i in item if i is not None)
                  for item in shared)


def list_split_config(name: str, dataset_cfg: dict) -> Optional[SplitListing]:
    """Read a split from its dataset config for its images and cells only
    (no file or image checks, no length measurement), or None when its
    annotation is not there (it is checked when the split is used).

    Args:
        name (str): The split's name.
        dataset_cfg (dict): The split's dataset config.

    Returns:
        SplitListing, optional: What the split lists.
    """
    cfg = copy.deepcopy(dict(dataset_cfg))
    dataset_type = DATASETS.get(cfg['type']) if isinstance(
        cfg.get('type'), str) else cfg.get('type')
    if isinstance(dataset_type, type) and issubclass(dataset_type,
                                                     ChromosomeDataset):
        cfg.update(_LISTING_ONLY)
    try:
        return SplitListing(name, DATASETS.build(cfg))
    except FileNotFoundError as error:
        MMLogger.get_current_instance().warning(
            f'The {name} set was not checked for crops or cells of the '
            f'training set: {error}')
        return None
