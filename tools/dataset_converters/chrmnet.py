"""Write annotation CSVs for ChrmNet (ChromosomeNet, Lin et al. 2022).

Reads the distributed layout ``SRC_DIR/<class>/<image>``, one folder per
type named ``0``..``21`` for the autosomes 1..22, ``22`` for X and ``23``
for Y, as ``ChromosomeDataset`` reads class folders (folder_naming
``'zero_based'``), and writes ``train.csv``, ``val.csv`` and ``test.csv``
with a stratified random split (80/10/10 by default, as its authors did),
or with ``--all`` one ``all.csv`` to use the whole set as an external test
set. The columns are ``img_path`` (relative to SRC_DIR) and ``label``. The
set names no cells, so its split is crop by crop.

Example::

    python tools/dataset_converters/chrmnet.py data/chrmnet \
        data/chrmnet --all
"""
import os
import os.path as osp

from mmscl.datasets.categories import CHROMOSOME_CATEGORIES
from mmscl.datasets.converters import run_converter
from mmscl.datasets.image_check import list_visible
from mmscl.datasets.readers import FOLDER_NAMINGS, read_class_folders

FOLDER_NAMING = 'zero_based'


def collect(src_dir):
    """Read the crops of the class folders ``src_dir/0`` .. ``src_dir/23``.

    Args:
        src_dir (str): The dataset folder.

    Returns:
        tuple[list[dict], list[str]]: The entries and the problems found.
    """
    class_folders = FOLDER_NAMINGS[FOLDER_NAMING]
    problems = [
        f'not a class folder (0..23), left out: {name}'
        for name in list_visible(src_dir) if name not in class_folders
        or not osp.isdir(osp.join(src_dir, name))
    ]
    records, notes = read_class_folders(src_dir, FOLDER_NAMING)
    problems.extend(notes)
    rows = [
        dict(img_path=osp.relpath(record['img_path'], src_dir),
             label=record['label'])
        for record in records if record['label'] in CHROMOSOME_CATEGORIES
    ]
    missing = sorted(set(class_folders) - set(os.listdir(src_dir)), key=int)
    if missing:
        problems.append(f'class folders missing: {", ".join(missing)}')
    return rows, problems


def main(argv=None):
    return run_converter(
        collect, 'Write annotation CSVs for ChrmNet, split crop by crop '
        'stratified by type.', argv)


if __name__ == '__main__':
    main()
