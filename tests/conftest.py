import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(REPO_ROOT, 'configs')
SHARED_DATA = osp.join(REPO_ROOT, '..', 'shared', 'data')

sys.path.insert(0, osp.dirname(__file__))


def write_tiny_chromosome_set(root, per_type=3, splits=('train', 'val',
                                                         'test')):
    """Write ``per_type`` crops of each of the 24 types per split, as dark
    bars on white whose length grows with the type, and one CSV per split.

    Returns:
        str: ``root``.
    """
    from mmscl.datasets import CHROMOSOME_CATEGORIES
    from mmscl.datasets.annotation import write_annotation_csv
    rng = np.random.default_rng(0)
    for split in splits:
        os.makedirs(osp.join(root, split), exist_ok=True)
        rows = []
        for k, name in enumerate(CHROMOSOME_CATEGORIES):
            for h in range(per_type):
                img = np.full((40, 16), 255, np.uint8)
                length = 36 - k
                img[2:2 + length, 5:11] = rng.integers(40, 120)
                path = f'{split}/chr {name}_{h}.png'
                cv2.imwrite(osp.join(root, path), img)
                rows.append(dict(img_path=path, label=name,
                                 cell_id=f'{split}{h}'))
        write_annotation_csv(osp.join(root, f'{split}.csv'), rows)
    return str(root)


@pytest.fixture
def tiny_chromosome_dir(tmp_path):
    return write_tiny_chromosome_set(str(tmp_path))
