"""Cross-lab normalisation: chromosome length, reference lengths and their
cache, and a config's test pipeline giving crops of any pixel scale one
normalised size."""
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope
from scipy import ndimage

from conftest import info_logged
from mmscl.datasets import ChromosomeDataset, reference_length
from mmscl.datasets.annotation import write_annotation_csv
from mmscl.datasets.transforms import imread_grayscale
from mmscl.datasets.morphometry import (foreground_mask, has_dark_background,
                                        measure_crop)
from mmscl.datasets.reference_length import (MIN_CROPS_PER_GROUP,
                                             measure_lengths,
                                             reference_lengths)
from mmscl.datasets.transforms import RandomReferenceLevel
from mmscl.utils import set_input_size

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def chromosome(length, width, bend_radius=None, size=160, gray=60):
    """A dark rod with round ends of the given centre-line length (ends
    included) on white, straight or bent along a circular arc."""
    img = np.full((size, size), 255, np.uint8)
    axis = np.linspace(-(length - width) / 2, (length - width) / 2, 600)
    if bend_radius is None:
        points = np.stack([np.full_like(axis, size / 2), size / 2 + axis], 1)
    else:
        angle = axis / bend_radius
        points = np.stack([
            size / 2 + bend_radius * (1 - np.cos(angle)) - bend_radius / 4,
            size / 2 + bend_radius * np.sin(angle)
        ], 1)
    for x, y in points:
        cv2.circle(img, (round(x), round(y)), round(width / 2), gray, -1)
    return img


@pytest.mark.parametrize('length,width,bend_radius', [
    (30, 10, None), (60, 14, None), (100, 18, None),
    (90, 16, 40), (80, 12, 25),
])
def test_length_of_straight_and_bent_chromosomes(length, width, bend_radius):
    img = chromosome(length, width, bend_radius)
    measured, box = measure_crop(img)
    assert measured == pytest.approx(length, rel=0.08)
    # The other polarity gives the same.
    assert measure_crop(255 - img)[0] == pytest.approx(measured)
    top, bottom, left, right = box
    assert (img[:top] == 255).all() and (img[bottom:] == 255).all()
    assert (img[:, :left] == 255).all() and (img[:, right:] == 255).all()


@pytest.mark.parametrize('pixels', [
    [(40, 20 + i) for i in range(50)],  # straight: 50 px long
    [(20 + i, 20 + i) for i in range(30)],  # diagonal
    [(70 - i, 10 + i) for i in range(60)],  # the other diagonal
])
def test_exact_length_of_one_pixel_wide_lines(pixels):
    """On a 1-px wide line the skeleton is the line, so the length is the
    path along its pixel centres plus half a pixel at each end: exactly
    (P + sqrt(P^2 + 4 A)) / 2 with P the path and A the pixel count."""
    img = np.full((100, 100), 255, np.uint8)
    ys, xs = np.array(pixels).T
    img[ys, xs] = 50
    steps = np.hypot(np.diff(ys), np.diff(xs)).sum()
    expected = (steps + np.sqrt(steps**2 + 4 * len(pixels))) / 2
    length, box = measure_crop(img)
    assert length == pytest.approx(expected, rel=1e-12)
    assert box == (ys.min(), ys.max() + 1, xs.min(), xs.max() + 1)
    if len(set(ys)) == 1:
        assert length == pytest.approx(len(pixels), rel=1e-12)


def whole_crop_silhouette(img):
    """foreground_mask's steps on the whole crop with scipy.ndimage: the
    definition that measuring on the box of the chromosome must match."""
    mask = img < reference_threshold(img)
    if not mask.any():
        return mask
    mask = ndimage.binary_closing(mask, border_value=0) | mask
    mask = ndimage.binary_fill_holes(mask)
    components, num = ndimage.label(mask, structure=np.ones((3, 3)))
    if num > 1:
        sizes = np.bincount(components.ravel())
        sizes[0] = 0
        mask = components == sizes.argmax()
    return mask


def reference_threshold(img):
    threshold, _ = cv2.threshold(img, 0, 255,
                                 cv2.THRESH_BINARY + cv2.THRESH_TRIANGLE)
    return threshold


def test_silhouette_on_the_box_is_that_of_the_whole_crop():
    """Rods with holes, gaps of one pixel and bits of neighbours, touching
    every edge of the crop or not: the silhouette and the length measured
    on the chromosome's box are those of the whole crop, to the pixel."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        img = np.full(rng.integers(12, 60, 2), 255, np.uint8)
        # One gray (no slide background, a step before the box).
        gray = rng.integers(0, 120)
        for _ in range(rng.integers(1, 4)):
            top, left = rng.integers(-3, img.shape, 2)
            img[max(top, 0):top + rng.integers(2, 40),
                max(left, 0):left + rng.integers(2, 12)] = gray
        img[rng.random(img.shape) < 0.05] = 255  # holes and gaps
        expected = whole_crop_silhouette(img)
        np.testing.assert_array_equal(foreground_mask(img), expected)
        if expected.any():
            rows, cols = np.nonzero(expected)
            assert measure_crop(img)[1] == (rows.min(), rows.max() + 1,
                                            cols.min(), cols.max() + 1)


def test_length_ignores_pale_bands_and_neighbour_bits():
    img = chromosome(80, 14)
    img[70:74][img[70:74] < 255] = 235  # a pale band across the rod
    img[2:6, 2:10] = 40  # a bit of a neighbouring chromosome
    mask = foreground_mask(img)
    assert mask[72, 80] and not mask[3, 5]
    assert measure_crop(img)[0] == pytest.approx(80, rel=0.08)


def test_polarity_and_blank_crops():
    img = chromosome(60, 14)
    assert not has_dark_background(img)
    assert has_dark_background(255 - img)
    # A tight box of a tilted chromosome, which touches the border.
    tilted = cv2.warpAffine(
        img, cv2.getRotationMatrix2D((80, 80), 20, 1.), (160, 160),
        borderValue=255)
    top, bottom, left, right = measure_crop(tilted)[1]
    tight = tilted[top:bottom, left:right]
    assert not has_dark_background(tight)
    assert has_dark_background(255 - tight)
    assert measure_crop(np.full((20, 20), 255, np.uint8)) == (0., None)


def test_reference_lengths_fall_back_to_coarser_groups():
    n = MIN_CROPS_PER_GROUP
    # Cells a, b (full), c (too small, of patient p2, full with b's crops)
    # and d (too small, of a too small patient p3); one crop without ids.
    lengths = np.array([10.] * n + [20.] * n + [30., 0., 40.] + [50.] * 2 +
                       [60.])
    cells = ['a'] * n + ['b'] * n + ['c'] * 3 + ['d'] * 2 + [None]
    patients = ['p1'] * n + ['p2'] * (n + 3) + ['p3'] * 2 + [None]
    # Dataset: the median of the measured crops (the blank one left out).
    dataset = np.median(lengths[lengths > 0])
    refs, levels = reference_lengths(lengths)
    np.testing.assert_array_equal(refs, np.full(len(lengths), dataset))
    np.testing.assert_array_equal(levels, np.zeros(len(lengths)))
    refs, levels = reference_lengths(lengths, [cells, patients])
    p2 = np.median([20.] * n + [30., 40.])
    np.testing.assert_array_equal(
        refs, [10.] * n + [20.] * n + [p2] * 3 + [dataset] * 3)
    np.testing.assert_array_equal(
        levels, [0] * 2 * n + [1] * 3 + [2] * 3)
    with pytest.raises(ValueError, match='no chromosome'):
        reference_lengths(np.zeros(3), [[None] * 3])


def test_dataset_reference_level_per_group(tmp_path):
    """The dataset takes each crop's reference from the finest level its
    CSV offers (cell, then patient or case, then the dataset), logs the
    levels used, and gives every level's to RandomReferenceLevel."""
    n = MIN_CROPS_PER_GROUP
    specs = ([(40, 'c1', 'p1')] * n + [(80, 'c2', 'p1')] * 3 +
             [(60, 'c3', 'p2')] * 2)
    rows = []
    for i, (length, cell, case) in enumerate(specs):
        cv2.imwrite(str(tmp_path / f'{i}.png'), chromosome(length, 10))
        rows.append(dict(img_path=f'{i}.png', label='1', cell_id=cell,
                         case_id=case))
    write_annotation_csv(str(tmp_path / 'cases.csv'), rows)
    write_annotation_csv(str(tmp_path / 'no_ids.csv'),
                         [dict(img_path=r['img_path'], label='1')
                          for r in rows])

    def build(ann_file, level='cell'):
        return ChromosomeDataset(
            ann_file=ann_file, data_root=str(tmp_path), test_mode=True,
            length_reference=level, pipeline=[])

    with info_logged() as messages:
        dataset = build('cases.csv')
    measured = np.array([dataset.get_data_info(i)['ref_lengths']['cell']
                         for i in range(len(dataset))])
    lengths = measure_lengths(
        [str(tmp_path / f'{i}.png') for i in range(len(specs))])
    median_all = np.median(lengths)
    p1 = np.median(lengths[:n + 3])
    # c1 by its cell; c2 (3 crops) by its case p1; c3 (case of 2) by all.
    np.testing.assert_allclose(
        measured, [np.median(lengths[:n])] * n + [p1] * 3 +
        [median_all] * 2)
    assert [dataset.get_data_info(i)['ref_length']
            for i in range(len(dataset))] == list(measured)
    info = dataset.get_data_info(n)
    assert info['patient_id'] == 'p1'
    assert info['ref_lengths'] == dict(cell=p1, patient=p1,
                                       dataset=median_all)
    assert info['ref_levels'] == dict(cell='patient', patient='patient',
                                      dataset='dataset')
    assert [dataset.get_data_info(i)['ref_level']
            for i in range(len(dataset))] == (['cell'] * n +
                                              ['patient'] * 3 +
                                              ['dataset'] * 2)
    assert any(f"of {len(specs)} crops by cell: {n}, patient: 3, "
               "dataset: 2." in m for m in messages)
    # The patient level first: c1 and c2 by p1.
    assert build('cases.csv', 'patient').get_data_info(0)[
        'ref_length'] == p1
    # No ids: the dataset's for every crop.
    no_ids = build('no_ids.csv')
    assert {(no_ids.get_data_info(i)['ref_length'],
             no_ids.get_data_info(i)['ref_level'])
            for i in range(len(no_ids))} == {(median_all, 'dataset')}


def test_random_reference_level_is_drawn_per_crop_from_the_seed():
    levels = dict(cell=10., patient=20., dataset=30.)
    # The cell's reference fell back to its patient's.
    used = dict(cell='patient', patient='patient', dataset='dataset')
    transform = RandomReferenceLevel(
        level_probs=dict(cell=0.5, patient=0.25, dataset=0.25))

    def draws(seed):
        np.random.seed(seed)
        return [transform(dict(ref_lengths=levels, ref_levels=used))
                for _ in range(400)]

    first = [results['ref_length'] for results in draws(0)]
    assert [results['ref_length'] for results in draws(0)] == first
    assert [results['ref_length'] for results in draws(1)] != first
    assert {(r['ref_length'], r['ref_level']) for r in draws(0)} == {
        (10., 'patient'), (20., 'patient'), (30., 'dataset')}
    counts = {v: first.count(v) / len(first) for v in levels.values()}
    assert counts == pytest.approx({10.: 0.5, 20.: 0.25, 30.: 0.25},
                                   abs=0.07)
    assert 'level_probs' in repr(transform)
    for bad in (dict(cell=0.5), dict(cell=1.5, dataset=-0.5),
                dict(cell=0.5, slide=0.5)):
        with pytest.raises(ValueError, match='level_probs'):
            RandomReferenceLevel(level_probs=bad)
    with pytest.raises(KeyError, match='ref_lengths'):
        transform(dict(img_path='a.png', ref_length=3.))


def test_length_cache_is_reused_and_invalidated(tmp_path, monkeypatch):
    paths = []
    for i, length in enumerate((40, 60)):
        paths.append(str(tmp_path / f'{i}.png'))
        cv2.imwrite(paths[-1], chromosome(length, 12))
    cache_file = str(tmp_path / 'lengths.json')
    first = measure_lengths(paths, cache_file, num_workers=1)
    assert first == pytest.approx([40, 60], rel=0.08)

    measured = []

    def load(path):
        measured.append(path)
        return imread_grayscale(path)

    np.testing.assert_array_equal(
        measure_lengths(paths, cache_file, num_workers=1, load=load), first)
    assert measured == []
    # A changed file is measured again; the other comes from the cache.
    cv2.imwrite(paths[0], chromosome(90, 12))
    os.utime(paths[0], ns=(1, 1))
    again = measure_lengths(paths, cache_file, num_workers=1, load=load)
    assert measured == [paths[0]]
    assert again[0] == pytest.approx(90, rel=0.08) and again[1] == first[1]
    # A broken cache file is ignored, not fatal.
    for content in ('{not json', '[]', '{"version": 1, "lengths": 3}'):
        with open(cache_file, 'w') as f:
            f.write(content)
        np.testing.assert_array_equal(
            measure_lengths(paths, cache_file, num_workers=1), again)
    # A file gone since (check_files=False) is measured as blank, not
    # cached, and not fatal.
    missing = str(tmp_path / 'missing.png')
    lengths = measure_lengths(paths + [missing], cache_file, num_workers=1)
    assert lengths[-1] == 0
    assert reference_length.LengthCache(cache_file).get(missing) is None


def test_length_caches_side_by_side_keep_each_others_entries(tmp_path):
    """Two runs read one cache, measure different crops (a train and a
    test split) and write it one after the other: the cache keeps both
    runs' lengths, and a file measured again keeps the newer length."""
    paths = []
    for i, length in enumerate((40, 60, 80)):
        paths.append(str(tmp_path / f'{i}.png'))
        cv2.imwrite(paths[-1], chromosome(length, 12))
    cache_file = str(tmp_path / 'lengths.json')
    reference_length.LengthCache(cache_file).update(
        {paths[2]: (80., reference_length.file_fingerprint(paths[2]))})
    train = reference_length.LengthCache(cache_file)
    test = reference_length.LengthCache(cache_file)
    fingerprints = [reference_length.file_fingerprint(p) for p in paths]
    assert train.update({paths[0]: (40., fingerprints[0])})
    assert test.update({paths[1]: (60., fingerprints[1]),
                        paths[2]: (81., fingerprints[2])})
    cache = reference_length.LengthCache(cache_file)
    assert [cache.get(p) for p in paths] == [40., 60., 81.]


def test_length_cache_copied_with_its_folder(tmp_path):
    """A data folder copied with its cache (cp -p: sizes and times kept)
    whose crops then change, keeping size and time: they are measured
    again, not given the other folder's lengths. Unchanged crops in a moved
    folder are confirmed by content, and the cache rewritten for it; a full
    hit is logged with its count."""
    source = tmp_path / 'lab_a'
    source.mkdir()
    for i, length in enumerate((40, 60)):
        cv2.imwrite(str(source / f'{i}.bmp'), chromosome(length, 12))

    def lengths_of(folder, load=imread_grayscale):
        with info_logged() as messages:
            lengths = measure_lengths(
                [str(folder / f'{i}.bmp') for i in range(2)],
                str(folder / 'lengths.json'), num_workers=1, load=load)
        return lengths, messages

    first, _ = lengths_of(source)
    _, messages = lengths_of(source)
    assert any('lengths of all 2 crops from the cache' in m
               for m in messages)

    copy = tmp_path / 'lab_b'
    shutil.copytree(source, copy, copy_function=shutil.copy2)
    # Lab b's crop 0: another chromosome in a file of the same size (an
    # uncompressed BMP of the same canvas) and time.
    path = str(copy / '0.bmp')
    stat = os.stat(path)
    cv2.imwrite(path, chromosome(90, 12))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert os.stat(path).st_size == stat.st_size
    measured = []

    def load(path):
        measured.append(path)
        return imread_grayscale(path)

    lengths, messages = lengths_of(copy, load)
    assert measured == [path]
    assert lengths[0] == pytest.approx(90, rel=0.08)
    assert lengths[1] == first[1]
    assert any(f'was written in {source}: 1 of its entries match' in m
               for m in messages)
    # Rewritten for lab b: read without any check of content next time.
    cache = reference_length.LengthCache(str(copy / 'lengths.json'))
    assert cache.written_in == str(copy)
    _, messages = lengths_of(copy, load)
    assert measured == [path]
    assert any('lengths of all 2 crops from the cache' in m
               for m in messages)


def test_test_pipeline_normalises_pixel_scale(tmp_path):
    """The same cell imaged at 0.7x and 1.7x the pixel scale (and as
    fluorescence, bright on black) gives the same model input as the
    original, through a shipped config's test pipeline."""
    lengths = np.linspace(30, 90, MIN_CROPS_PER_GROUP)
    rows = []
    for factor, name in ((1., 'original'), (0.7, 'small'), (1.7, 'large')):
        for i, length in enumerate(lengths):
            img = chromosome(length * factor, 12 * factor,
                             size=round(200 * factor))
            if name == 'small':
                img = 255 - img
            path = f'{name}/{i}.png'
            os.makedirs(tmp_path / name, exist_ok=True)
            cv2.imwrite(str(tmp_path / path), img)
            rows.append(dict(img_path=path, label='1', cell_id=name))
    write_annotation_csv(str(tmp_path / 'test.csv'), rows)

    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs/scl/resnet18_gband612.py'))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        dataset = ChromosomeDataset(
            ann_file='test.csv', data_root=str(tmp_path), test_mode=True,
            pipeline=cfg.test_dataloader.dataset.pipeline)

    def rod_extent(index):
        img = dataset[index]['inputs'][0].numpy()
        rows, cols = np.nonzero(img < 128)
        return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1

    n = len(lengths)
    for i in range(n):
        original = np.array(rod_extent(i))
        for twin in (i + n, i + 2 * n):
            np.testing.assert_allclose(rod_extent(twin), original, atol=2)
    # A rod of the cell's median length would span reference_fraction of
    # the input side (within the measurement's error).
    assert rod_extent(n // 2)[0] == pytest.approx(
        cfg.reference_fraction * cfg.input_size * lengths[n // 2] /
        np.median(lengths), rel=0.1)


def test_dataset_without_any_chromosome_is_refused(tmp_path):
    cv2.imwrite(str(tmp_path / 'blank.png'), np.full((8, 8), 255, np.uint8))
    write_annotation_csv(str(tmp_path / 'test.csv'),
                         [dict(img_path='blank.png', label='1')])
    with pytest.raises(ValueError, match='no chromosome found in any crop'):
        ChromosomeDataset(ann_file='test.csv', data_root=str(tmp_path),
                          test_mode=True)
    dataset = ChromosomeDataset(ann_file='test.csv', data_root=str(tmp_path),
                                test_mode=True, length_reference=None)
    assert 'ref_length' not in dataset.get_data_info(0)


def test_input_size_reaches_every_pipeline():
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs/scl/resnet18_gband612_qband119.py'))
    set_input_size(cfg, 96)
    assert cfg.input_size == 96
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        letterbox = [
            t for t in cfg[loader].dataset.pipeline if t.type == 'Letterbox'
        ]
        assert [t.scale for t in letterbox] == [96]
    # Within TestTimeAug too.
    assert cfg.tta_pipeline[-1].transforms[1][0].scale == 96
    cfg.test_dataloader.dataset.pipeline = []
    cfg.train_dataloader = cfg.val_dataloader = None
    cfg.tta_pipeline = []
    with pytest.raises(ValueError, match='no Letterbox'):
        set_input_size(cfg, 96)


def test_unmasked_crop_on_a_slide_box():
    """A chromosome on a box of gray slide background, on a white canvas
    (an unmasked crop): measured and cut without the box."""
    img = chromosome(60, 12)
    slide = np.full_like(img, 255)
    slide[40:120, 55:105] = 243
    img = np.minimum(img, slide)
    assert not foreground_mask(img)[45, 60]  # the slide
    length, (top, bottom, left, right) = measure_crop(img)
    assert length == pytest.approx(60, rel=0.08)
    assert bottom - top == pytest.approx(60, abs=2)
    assert right - left == pytest.approx(12, abs=2)
