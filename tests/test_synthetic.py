import json
import os
import os.path as osp
import subprocess
import sys
from collections import Counter, defaultdict

import cv2
import numpy as np
import pytest

from mmscl.datasets.annotation import read_annotation_csv
from mmscl.datasets.categories import CHROMOSOME_CATEGORIES
from mmscl.datasets.synthetic import (BAND_LEVELS, SYNTHETIC_DOMAINS,
                                      generate_synthetic_dataset, get_band_map,
                                      resolve_domain)

SPLITS = ('train', 'val', 'test')
# Straight, upright chromosomes of exact length: their masks' heights are
# their lengths.
STRAIGHT = dict(
    base='internal',
    bend=0,
    rotation=0,
    flip=0,
    length_jitter=0,
    heteromorphism=1)


def _read_rows(root):
    return {s: read_annotation_csv(osp.join(root, f'{s}.csv')) for s in SPLITS}


def _files(root):
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = osp.join(folder, name)
            with open(path, 'rb') as f:
                files[osp.relpath(path, root)] = f.read()
    return files


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('synthetic'))
    paths = generate_synthetic_dataset(root, 10, seed=0, progress=False)
    return root, paths


def test_band_maps():
    chr1 = get_band_map('1')
    assert chr1.length == pytest.approx(248.956422)
    assert chr1.centromere == pytest.approx(123.4)
    assert get_band_map('X').length == pytest.approx(154.259566)
    assert get_band_map('Y').length == pytest.approx(62.460029)
    acrocentric = [
        c for c in CHROMOSOME_CATEGORIES if get_band_map(c).is_acrocentric
    ]
    assert acrocentric == ['13', '14', '15', '21', '22']
    counts = [
        sum(len(get_band_map(c, level).bands) for c in CHROMOSOME_CATEGORIES)
        for level in BAND_LEVELS
    ]
    assert counts == sorted(counts)
    for level, count in zip(BAND_LEVELS, counts):
        assert abs(count - level) <= 0.02 * level
    # Merging keeps the chromosome's extent and its centromere.
    coarse = get_band_map('1', 300)
    assert coarse.length == chr1.length
    assert coarse.centromere == chr1.centromere
    assert [b.stain for b in coarse.bands if b.stain == 'acen'] == ['acen'] * 2
    with pytest.raises(ValueError, match='band level'):
        get_band_map('1', 500)


def test_cells_splits_and_annotations(dataset):
    root, paths = dataset
    assert paths['train'] == osp.join(root, 'train.csv')
    rows = _read_rows(root)
    all_rows = [r for s in SPLITS for r in rows[s]]
    assert len(all_rows) == 10 * 46

    cells_of_split = {s: {r['cell_id'] for r in rows[s]} for s in SPLITS}
    assert [len(cells_of_split[s]) for s in SPLITS] == [8, 1, 1]
    assert not cells_of_split['train'] & cells_of_split['val']
    assert not cells_of_split['train'] & cells_of_split['test']
    assert not cells_of_split['val'] & cells_of_split['test']

    per_cell = defaultdict(Counter)
    for row in all_rows:
        assert row['img_path'].startswith(f'images/{row["cell_id"]}/')
        assert row['patient_id'] == 'p' + row['cell_id'][1:]
        per_cell[row['cell_id']][row['label']] += 1
    males = 0
    for counts in per_cell.values():
        assert sum(counts.values()) == 46
        assert all(counts[c] == 2 for c in CHROMOSOME_CATEGORIES[:22])
        assert (counts['X'], counts['Y']) in ((2, 0), (1, 1))
        males += counts['Y']
    assert 0 < males < 10

    for split in SPLITS:
        with open(paths[f'{split}_json']) as f:
            items = json.load(f)['items']
        listed = []
        for item in items:
            assert item['kar_type'] == 'normal'
            for cell in item['kar_files']:
                listed += [(p, CHROMOSOME_CATEGORIES[label - 1])
                           for p, label in item[cell]]
        assert listed == [(r['img_path'], r['label']) for r in rows[split]]

    with open(paths['meta']) as f:
        meta = json.load(f)
    assert meta['seed'] == 0 and meta['domain'] == 'internal'
    assert meta['counts']['train'] == dict(cells=8, images=8 * 46)
    assert meta['images_per_type']['Y'] == males
    assert meta['params']['canvas'] == 256


def test_images(dataset):
    root, paths = dataset
    rows = read_annotation_csv(paths['val'])
    for row in rows:
        image = cv2.imread(
            osp.join(root, row['img_path']), cv2.IMREAD_UNCHANGED)
        assert image.shape == (256, 256) and image.dtype == np.uint8
        # Dark chromosome on a white canvas, its axis centred.
        assert (image[0] == 255).all() and (image[-1] == 255).all()
        assert (image[:, 0] == 255).all() and (image[:, -1] == 255).all()
        assert image.min() < 120
        ys, xs = np.nonzero(image < 255)
        assert abs((ys.min() + ys.max()) / 2 - 128) <= 4
        assert abs((xs.min() + xs.max()) / 2 - 128) <= 4
    sheet = cv2.imread(paths['contact_sheet'], cv2.IMREAD_UNCHANGED)
    assert sheet.ndim == 2 and sheet.shape[0] > 24 * 20


def test_deterministic(dataset, tmp_path):
    root, _ = dataset
    same = str(tmp_path / 'same')
    generate_synthetic_dataset(same, 10, seed=0, workers=2, progress=False)
    assert _files(same) == _files(root)

    other = str(tmp_path / 'other')
    generate_synthetic_dataset(other, 2, seed=1, progress=False)
    image = 'images/c000000/c000000_1_0.png'
    with open(osp.join(root, image), 'rb') as a, \
            open(osp.join(other, image), 'rb') as b:
        assert a.read() != b.read()


def test_relative_lengths(tmp_path):
    root = str(tmp_path)
    generate_synthetic_dataset(
        root, 3, seed=2, domain=STRAIGHT, progress=False, splits=(1, 0, 0))
    rows = read_annotation_csv(osp.join(root, 'train.csv'))
    assert read_annotation_csv(osp.join(root, 'val.csv')) == []
    lengths = defaultdict(lambda: defaultdict(list))
    for row in rows:
        image = cv2.imread(osp.join(root, row['img_path']), 0)
        ys = np.nonzero((image < 255).any(axis=1))[0]
        lengths[row['cell_id']][row['label']].append(ys.max() - ys.min() + 1)
    for cell in lengths.values():
        length = {c: np.mean(v) for c, v in cell.items()}
        autosomes = CHROMOSOME_CATEGORIES[:22]
        assert max(length, key=length.get) == '1'
        assert min(autosomes, key=length.get) == '21'
        # Lengths follow the base pairs, within blur and the mask's cut.
        scale = length['1'] / get_band_map('1').length
        for chrom, value in length.items():
            expected = get_band_map(chrom).length * scale
            assert abs(value - expected) < 3, chrom


def test_domains(tmp_path):
    assert sorted(SYNTHETIC_DOMAINS) == ['external', 'internal']
    external = resolve_domain('external')
    assert external['canvas'] == 300
    custom = resolve_domain(dict(base='internal', canvas=320, blur=1.5))
    assert custom['canvas'] == 320 and custom['blur'] == 1.5
    assert custom['noise'] == SYNTHETIC_DOMAINS['internal']['noise']

    root = str(tmp_path)
    paths = generate_synthetic_dataset(
        root, 1, domain=dict(canvas=320, band_levels=[850]), progress=False)
    row = read_annotation_csv(paths['train'])[0]
    assert cv2.imread(osp.join(root, row['img_path']), 0).shape == (320, 320)
    with open(paths['meta']) as f:
        meta = json.load(f)
    assert meta['params']['band_levels'] == [850]

    with pytest.raises(ValueError, match=r"valid ones are \['external'"):
        resolve_domain('ogh')
    with pytest.raises(ValueError, match="'blurr'.*'blur'"):
        resolve_domain(dict(blurr=1))
    with pytest.raises(ValueError, match="'canvas'"):
        resolve_domain(dict(canvas=128))
    with pytest.raises(ValueError, match="'gamma'"):
        resolve_domain(dict(gamma=(2, 1)))
    with pytest.raises(ValueError, match="'band_levels'"):
        resolve_domain(dict(band_levels=(500, )))
    with pytest.raises(ValueError, match='num_cells'):
        generate_synthetic_dataset(root, 0)
    with pytest.raises(ValueError, match='splits'):
        generate_synthetic_dataset(root, 1, splits=(0.9, 0.1))


# The pool starts its workers one at a time as work is submitted; when the
# first dies before the second is started, the pipes the second would
# inherit are closed already: a race seen on CI, forced here by a delay.
_START_THE_SECOND_WORKER_LATE = (
    'import time\n'
    'from concurrent.futures import process\n'
    'spawn = process.ProcessPoolExecutor._spawn_process\n'
    'def late_spawn(executor):\n'
    '    if executor._processes:\n'
    '        time.sleep(3)\n'
    '    spawn(executor)\n'
    'process.ProcessPoolExecutor._spawn_process = late_spawn\n')


@pytest.mark.parametrize('prelude', ['', _START_THE_SECOND_WORKER_LATE],
                         ids=['as_it_comes', 'second_worker_late'])
def test_script_without_main_guard_fails_not_hangs(tmp_path, prelude):
    # Python's multiprocessing imports the calling script again in each
    # worker, so a script that generates at import starts the generation
    # again there and the worker dies; the old pool started it again for
    # ever, and the script hung without a word.
    script = tmp_path / 'generate.py'
    script.write_text(
        prelude +
        'from mmscl.datasets.synthetic import generate_synthetic_dataset\n'
        f'generate_synthetic_dataset({str(tmp_path / "out")!r}, 2, '
        'workers=2, progress=False)\n')
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert 'RuntimeError: A worker process of' in done.stderr
    assert "put that work under if __name__ == '__main__'" in done.stderr
