import os
import os.path as osp
import shutil
import subprocess
import tempfile
from collections import Counter

import numpy as np
import pytest
from PIL import Image

from conftest import load_converter
from mmscl.datasets.annotation import SPLIT_NAMES, read_annotation_csv
from mmscl.datasets.categories import CHROMOSOME_CATEGORIES
from mmscl.datasets.converters import (split_by_group_with_all_types,
                                       stratified_split)

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SHARED_DATA = osp.join(REPO_ROOT, '..', 'shared', 'data')
CROP = np.full((6, 3), 90, np.uint8)


def write_image(path, **kwargs):
    os.makedirs(osp.dirname(path), exist_ok=True)
    Image.fromarray(CROP).save(path, **kwargs)


def write_garbage(path):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(b'truncated')


def read_splits(out_dir, names=SPLIT_NAMES):
    return {
        name: read_annotation_csv(osp.join(out_dir, f'{name}.csv'))
        for name in names
    }


def labels_of(rows):
    return {row['label'] for row in rows}


# Three male and three female cases (types 1, 2, X and Y or X); case
# 97000001 has two cells.
GBAND_CELLS = {
    '97000001.1': (1, 2, 23, 24),
    '97000001.2': (1, 2, 23, 24),
    '97000002.5': (1, 2, 23, 24),
    '9700TEST.7': (1, 2, 23, 24),
    '97000003.1': (1, 2, 23, 23),
    '97000004.2': (1, 2, 23, 23),
    '97000005.3': (1, 2, 23, 23),
}


@pytest.fixture
def gband_tree(tmp_path):
    root = tmp_path / 'gband612'
    for cell, types in GBAND_CELLS.items():
        homolog = Counter()
        for k in types:
            write_image(
                root / 'single_clase' / f'{cell}.tiff' / f'clase{k}' /
                f'clase{k}_{homolog[k]}_{cell}.tiff',
                compression='tiff_lzw')
            homolog[k] += 1
    cell_dir = root / 'single_clase' / '97000003.1.tiff'
    write_image(cell_dir / 'clase25' / 'clase25_0_97000003.1.tiff')
    write_garbage(cell_dir / 'clase2' / 'clase2_1_97000003.1.tiff')
    write_image(cell_dir / 'clase2' / 'clase3_0_97000003.1.tiff')
    return root


def test_gband612_converter(gband_tree, tmp_path, capsys):
    out_dir = tmp_path / 'ann'
    splits = load_converter('gband612').main([
        str(gband_tree),
        str(out_dir), '--ratios', '0.34', '0.33', '0.33', '--workers', '1'
    ])
    summary = capsys.readouterr().out
    assert 'clase25: 25 is not a type number (1..24)' in summary
    assert 'unreadable, left out' in summary
    assert 'clase2_1_97000003.1.tiff' in summary
    assert 'name does not match its folders' in summary
    assert 'clase3_0_97000003.1.tiff' in summary
    assert '3 problem(s) found' in summary

    written = read_splits(out_dir)
    assert sum(len(rows) for rows in written.values()) == 7 * 4
    assert [len(splits[name])
            for name in written] == [len(rows) for rows in written.values()]
    patients_of = {}
    for name, rows in written.items():
        assert labels_of(rows) == {'1', '2', 'X', 'Y'}
        for row in rows:
            assert osp.isfile(gband_tree / row['img_path'])
            assert row['patient_id'] == row['cell_id'].rsplit('.', 1)[0]
            patients_of.setdefault(row['patient_id'], set()).add(name)
    assert len(patients_of) == 6
    assert all(len(names) == 1 for names in patients_of.values())
    first = written['train'][0]
    assert first['img_path'].startswith(
        osp.join('single_clase', f'{first["cell_id"]}.tiff', 'clase'))


def test_gband612_converter_rejects_another_layout(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        load_converter('gband612').main([str(tmp_path), str(tmp_path / 'o')])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(
        f': error: {tmp_path}/single_clase not found: '
        'SRC_DIR must hold single_clase/<cellID>.tiff/clase<k>/'
        'clase<k>_<h>_<cellID>.tiff')


@pytest.fixture
def qband_tree(tmp_path):
    root = tmp_path / 'qband119'
    for cell in range(1, 7):
        folder = root / 'single_chromosomes' / str(cell)
        for name in ('1a', '1b', '2a', '2b', '23'):
            write_image(folder / f'{cell} {name}.bmp')
        # cells 1-3 are male: a Y without a/b suffix, else a second X
        write_image(folder /
                    (f'{cell} 24.bmp' if cell <= 3 else f'{cell} 23b.bmp'))
    write_garbage(root / 'single_chromosomes' / '4' / '4 2c.bmp')
    write_garbage(root / 'single_chromosomes' / '5' / '5 3a.bmp')
    return root


def test_qband119_converter_all(qband_tree, tmp_path, capsys):
    out_dir = tmp_path / 'ann'
    load_converter('qband119').main(
        [str(qband_tree),
         str(out_dir), '--all', '--workers', '2'])
    summary = capsys.readouterr().out
    assert '2 problem(s) found' in summary
    assert '4 2c.bmp' in summary and '5 3a.bmp' in summary
    rows = read_annotation_csv(osp.join(out_dir, 'all.csv'))
    assert not osp.exists(osp.join(out_dir, 'train.csv'))
    assert len(rows) == 6 * 6
    assert Counter(row['label'] for row in rows) == {
        '1': 12,
        '2': 12,
        'X': 9,
        'Y': 3
    }
    row = next(r for r in rows if r['label'] == 'Y')
    assert row['img_path'] == osp.join('single_chromosomes', '1', '1 24.bmp')
    assert row['cell_id'] == '1'
    assert all(osp.isfile(qband_tree / r['img_path']) for r in rows)


def test_qband119_converter_split_by_cell(qband_tree, tmp_path):
    out_dir = tmp_path / 'ann'
    load_converter('qband119').main([
        str(qband_tree),
        str(out_dir), '--ratios', '1', '1', '1', '--workers', '1'
    ])
    written = read_splits(out_dir)
    cells = [{row['cell_id'] for row in rows} for rows in written.values()]
    assert [len(c) for c in cells] == [2, 2, 2]
    assert set.union(*cells) == {str(c) for c in range(1, 7)}
    assert all(
        labels_of(rows) == {'1', '2', 'X', 'Y'} for rows in written.values())


def test_chrmnet_converter(tmp_path, capsys):
    root = tmp_path / 'chrmnet'
    for folder in range(24):
        for index in range(10):
            write_image(root / str(folder) / f'{folder}_{index}.png')
    write_garbage(root / '5' / 'broken.png')
    write_image(root / 'misc' / 'stray.png')
    chrmnet = load_converter('chrmnet')

    out_dir = tmp_path / 'ann'
    chrmnet.main([str(root), str(out_dir), '--workers', '1'])
    summary = capsys.readouterr().out
    assert 'not a class folder (0..23), left out: misc' in summary
    assert 'broken.png' in summary
    written = read_splits(out_dir)
    for name, expected in (('train', 8), ('val', 1), ('test', 1)):
        counts = Counter(row['label'] for row in written[name])
        assert counts == {label: expected for label in CHROMOSOME_CATEGORIES}
    all_rows = [row for rows in written.values() for row in rows]
    assert len({row['img_path'] for row in all_rows}) == 240
    labels = {row['img_path']: row['label'] for row in all_rows}
    assert labels[osp.join('0', '0_3.png')] == '1'
    assert labels[osp.join('21', '21_0.png')] == '22'
    assert labels[osp.join('22', '22_0.png')] == 'X'
    assert labels[osp.join('23', '23_9.png')] == 'Y'

    chrmnet.main([str(root), str(out_dir / 'ext'), '--all', '--workers', '1'])
    assert len(read_annotation_csv(out_dir / 'ext' / 'all.csv')) == 240


def test_split_helpers_fail_clearly():
    rows = [
        dict(img_path=f'{i}.png', label=label, cell_id='only')
        for i, label in enumerate(('1', 'Y'))
    ]
    with pytest.raises(ValueError, match='cell_id'):
        split_by_group_with_all_types(rows, 'cell_id')
    with pytest.raises(ValueError, match='stratified by type'):
        stratified_split(rows)


@pytest.mark.skipif(
    not osp.isdir(SHARED_DATA) or shutil.which('tar') is None,
    reason='shared real data or tar not available')
def test_gband612_real(capsys):
    # Not tmp_path: pytest would keep several 28k-file copies around. In
    # memory (/dev/shm) writing and deleting them is ~5 times as fast.
    memory = '/dev/shm' if osp.isdir('/dev/shm') else None
    with tempfile.TemporaryDirectory(dir=memory) as tmp_dir:
        # GNU tar takes ~3 s here, Python's tarfile ~10 times as long.
        tarball = osp.join(SHARED_DATA, 'gband612.tar.gz')
        subprocess.run(['tar', 'xzf', tarball, '-C', tmp_dir], check=True)
        src_dir, out_dir = (
            osp.join(tmp_dir, name) for name in ('gband612', 'ann'))
        splits = load_converter('gband612').main(
            [src_dir, out_dir, '--workers', '2'])
    summary = capsys.readouterr().out
    print(summary.splitlines()[-1])  # the converter's wall time

    assert '1 problem(s) found' in summary
    assert 'clase25_0_97002569.11.tiff' in summary
    assert sum(len(rows) for rows in splits.values()) == 28136 - 1
    cells = [{row['cell_id'] for row in rows} for rows in splits.values()]
    assert sum(len(c) for c in cells) == len(set.union(*cells)) == 612
    patients = [{row['patient_id']
                 for row in rows} for rows in splits.values()]
    assert sum(len(p) for p in patients) == len(set.union(*patients)) == 372
    for rows in splits.values():
        assert labels_of(rows) == set(CHROMOSOME_CATEGORIES)
    assert 0.75 < len(splits['train']) / 28135 < 0.85
