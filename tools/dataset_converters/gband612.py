"""Write annotation CSVs for the gband612 G-band crops.

Reads the published layout
``SRC_DIR/single_clase/<cellID>.tiff/clase<k>/clase<k>_<h>_<cellID>.tiff``
(k = 1..22, 23 = X, 24 = Y; h = homolog index) and writes ``train.csv``,
``val.csv`` and ``test.csv`` (or ``all.csv`` with ``--all``) with the
columns ``img_path`` (relative to SRC_DIR), ``label``, ``cell_id`` and
``patient_id``. A cell id such as ``97002341.12`` is read as case
``97002341``, metaphase ``12``; the 612 cells come from 372 cases of 1-3
cells, and the split keeps each case (so also each cell) in one split.

Example::

    python tools/dataset_converters/gband612.py data/gband612 \
        data/gband612 --seed 0
"""
import os.path as osp
import re

from mmscl.datasets.converters import (add_crop_row, layout_folders,
                                       layout_root, run_converter)
from mmscl.datasets.image_check import list_visible

CELL_SUFFIX = '.tiff'
CLASS_DIR_PATTERN = re.compile(r'clase(\d+)')
FILE_PATTERN = re.compile(r'clase(\d+)_(\d+)_(.+)\.tiff')


def collect(src_dir):
    """Read the crops of ``src_dir/single_clase``.

    Args:
        src_dir (str): The dataset folder holding ``single_clase``.

    Returns:
        tuple[list[dict], list[str]]: The entries and the problems found.
    """
    root = layout_root(
        src_dir,
        'single_clase/<cellID>.tiff/clase<k>/clase<k>_<h>_<cellID>.tiff')
    rows, problems = [], []
    for cell_name, cell_dir in layout_folders(
            root, src_dir, problems, '<cellID>.tiff',
            lambda name: name.endswith(CELL_SUFFIX)):
        cell_id = cell_name[:-len(CELL_SUFFIX)]
        for class_name, class_dir in layout_folders(
                cell_dir, src_dir, problems, 'clase<k>',
                CLASS_DIR_PATTERN.fullmatch):
            for file_name in list_visible(class_dir):
                img_path = osp.relpath(osp.join(class_dir, file_name), src_dir)
                match = FILE_PATTERN.fullmatch(file_name)
                if (match is None or f'clase{match[1]}' != class_name
                        or match[3] != cell_id):
                    problems.append('name does not match its folders '
                                    f'(clase<k>_<h>_<cellID>.tiff), left '
                                    f'out: {img_path}')
                    continue
                add_crop_row(rows, problems, img_path, int(match[1]),
                             f'clase{match[1]}: ', cell_id=cell_id,
                             patient_id=cell_id.rsplit('.', 1)[0])
    return rows, problems


def main(argv=None):
    return run_converter(
        collect, 'Write annotation CSVs for the gband612 crops, split by '
        'case (patient).', argv, group_key='patient_id')


if __name__ == '__main__':
    main()
