"""Write annotation CSVs for the qband119 Q-band crops (BioImLab set).

Reads the published layout
``SRC_DIR/single_chromosomes/<cell>/<cell> <k><a|b>.bmp`` (k = 1..22,
23 = X, 24 = Y; some X and Y files have no a/b suffix) and writes
``train.csv``, ``val.csv`` and ``test.csv`` split by cell, or with ``--all``
one ``all.csv`` to use the whole set as an external test set. The columns
are ``img_path`` (relative to SRC_DIR), ``label`` and ``cell_id``. The crops
are bright on black; the configs' ``NormalizeStain`` inverts them for a
G-band model.

Example::

    python tools/dataset_converters/qband119.py data/qband119 \
        data/qband119 --all
"""
import os.path as osp
import re

from mmscl.datasets.converters import (add_crop_row, layout_folders,
                                       layout_root, run_converter)
from mmscl.datasets.image_check import list_visible

FILE_PATTERN = re.compile(r'(\d+) (\d+)([ab]?)\.bmp', re.IGNORECASE)


def collect(src_dir):
    """Read the crops of ``src_dir/single_chromosomes``.

    Args:
        src_dir (str): The dataset folder holding ``single_chromosomes``.

    Returns:
        tuple[list[dict], list[str]]: The entries and the problems found.
    """
    root = layout_root(src_dir,
                       'single_chromosomes/<cell>/<cell> <k><a|b>.bmp')
    rows, problems = [], []
    for cell_id, cell_dir in layout_folders(root, src_dir, problems, 'cell'):
        for file_name in list_visible(cell_dir):
            img_path = osp.relpath(osp.join(cell_dir, file_name), src_dir)
            match = FILE_PATTERN.fullmatch(file_name)
            if match is None or match[1] != cell_id:
                problems.append('name is not "<cell> <k><a|b>.bmp" with its '
                                f'folder as <cell>, left out: {img_path}')
                continue
            add_crop_row(rows, problems, img_path, int(match[2]),
                         cell_id=cell_id)
    return rows, problems


def main(argv=None):
    return run_converter(
        collect, 'Write annotation CSVs for the qband119 crops, split by '
        'cell.', argv, group_key='cell_id')


if __name__ == '__main__':
    main()
