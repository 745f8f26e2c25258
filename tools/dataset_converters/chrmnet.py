"""Write annotation CSVs for ChrmNet (ChromosomeNet, Lin et al. 2022).

Reads the distributed layout ``SRC_DIR/<class>/<image>``, one folder per
type named ``0``..``21`` for the autosomes 1..22, ``22`` for X and ``23``
for Y, and writes ``train.csv``, ``val.csv`` and ``test.csv`` with a
stratified random split (80/10/10 by default, as its authors did), or with
``--all`` one ``all.csv`` to use the whole set as an external test set.
The columns are ``img_path`` (relative to SRC_DIR) and ``label``. The set
names no cells, so its split is crop by crop.

Example::

    python tools/dataset_converters/chrmnet.py data/chrmnet \
        data/chrmnet --all
"""
import os
import os.path as osp

from mmscl.datasets.categories import type_names_by_number
from mmscl.datasets.converters import run_converter
from mmscl.datasets.image_check import list_visible

LABEL_OF_FOLDER = type_names_by_number(first=0)


def collect(src_dir):
    """Read the crops of the class folders ``src_dir/0`` .. ``src_dir/23``.

    Args:
        src_dir (str): The dataset folder.

    Returns:
        tuple[list[dict], list[str]]: The entries and the problems found.
    """
    rows, problems = [], []
    for folder in list_visible(src_dir):
        class_dir = osp.join(src_dir, folder)
        if folder not in LABEL_OF_FOLDER or not osp.isdir(class_dir):
            problems.append(f'not a class folder (0..23), left out: {folder}')
            continue
        for file_name in list_visible(class_dir):
            img_path = osp.join(folder, file_name)
            if osp.isdir(osp.join(src_dir, img_path)):
                problems.append(f'folder inside a class folder, left out: '
                                f'{img_path}')
                continue
            rows.append(dict(img_path=img_path, label=LABEL_OF_FOLDER[folder]))
    missing = sorted(set(LABEL_OF_FOLDER) - set(os.listdir(src_dir)), key=int)
    if missing:
        problems.append(f'class folders missing: {", ".join(missing)}')
    return rows, problems


def main(argv=None):
    return run_converter(
        collect, 'Write annotation CSVs for ChrmNet, split crop by crop '
        'stratified by type.', argv)


if __name__ == '__main__':
    main()
