"""Bad annotations, splits and cell groupings (issue 21, items 6-9, 11, 12,
14, 19, 20): each test feeds one and pins what the user sees.
docs/bad_input.md lists them."""
import os.path as osp

import numpy as np
import pytest

from conftest import run_tool_main, warnings_logged
from mmscl.datasets import CHROMOSOME_CATEGORIES
from mmscl.evaluation.metrics import KaryotypeMetric
from mmscl.karyotype import assign_cell
from test_karyotype import (  # noqa: F401 (the fixture untrained)
    confident_scores, normal_cell, run_tool, untrained)

T7 = CHROMOSOME_CATEGORIES.index('7')


# -- A 'cell' that is not a cell (item 9) ----------------------------------


def test_crops_of_one_type_grouped_as_a_cell_are_left_unconstrained():
    """A case's twelve 7s under one id: the constraint would relabel ten
    of them; they keep their right predictions and are counted."""
    cell = normal_cell('XY')
    labels = np.concatenate([cell, np.full(12, T7)])
    scores = confident_scores(labels)
    cell_ids = ['c1'] * len(cell) + ['case 7'] * 12
    with warnings_logged() as warnings:
        metrics = KaryotypeMetric.calculate(scores, labels, cell_ids)
    assert metrics['accuracy_constrained'] == 100
    assert metrics['cells'] == 1 and metrics['not_cells'] == 1
    assert metrics['cell_accuracy_constrained'] == 100
    assert warnings == [
        "KaryotypeMetric: 1 of 2 cell_id groups cannot be one cell, e.g. "
        "'case 7' (12 crops predicted 7 for 2 slot(s)): left unconstrained "
        'and out of the cell metrics. Is cell_id a case or patient id?']
    assignment = assign_cell(scores[len(cell):])
    assert (assignment.labels == T7).all() and assignment.sex == ''
    assert assignment.flags == [
        'not one cell (12 crops predicted 7 for 2 slot(s)): left '
        'unconstrained']


def test_unconfident_crops_of_one_type_are_still_a_cell():
    """An untrained model predicting one type everywhere does not make
    every cell 'not a cell'."""
    scores = np.full((46, 24), 0.9 / 23)
    scores[:, T7] = 0.1
    assert assign_cell(scores).not_a_cell == ''


def test_a_trisomy_is_still_a_cell():
    labels = np.concatenate([normal_cell('XX'), [T7]])
    assert assign_cell(confident_scores(labels)).not_a_cell == ''


def test_group_of_more_than_60_crops_is_not_a_cell():
    labels = np.concatenate([normal_cell('XY'), normal_cell('XX')])
    with warnings_logged() as warnings:
        metrics = KaryotypeMetric.calculate(confident_scores(labels), labels,
                                            ['patient 1'] * 92)
    assert metrics == dict(accuracy=100, accuracy_constrained=100,
                           recall=100, recall_constrained=100, cells=0,
                           sexed_cells=0, not_cells=1)
    assert "'patient 1' (92 crops, a cell holds at most about 60)" in \
        warnings[0]


def test_karyotype_tool_leaves_a_case_id_unconstrained(untrained,  # noqa
                                                       tmp_path, capsys):
    import csv
    import os.path as osp
    data = untrained['data']
    with open(osp.join(data, 'test.csv')) as f:
        rows = list(csv.DictReader(f))
    with open(osp.join(data, 'case.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=['img_path', 'cell_id'])
        writer.writeheader()
        writer.writerows(dict(img_path=r['img_path'], cell_id='case 1')
                         for r in rows)
    out = tmp_path / 'out'
    run_tool([untrained['config'], untrained['checkpoint'],
              osp.join(data, 'case.csv'), '--out', str(out)])
    assert ('Warning: 1 of 1 cell_id group(s) cannot be one cell (is '
            'cell_id a case or patient id?); left unconstrained, no '
            'karyogram:\n  case 1: 92 crops, a cell holds at most about 60'
            ) in capsys.readouterr().out
    with open(out / 'cells.csv') as f:
        cells = list(csv.DictReader(f))
    assert [(c['crops'], c['sex'], c['karyogram']) for c in cells] == [
        ('92', '', '')]
    with open(out / 'crops.csv') as f:
        crops = list(csv.DictReader(f))
    assert all(c['assigned'] == c['predicted'] for c in crops)
    assert sorted(p.name for p in out.iterdir()) == ['cells.csv',
                                                     'crops.csv']


# -- sex_accuracy only where the sex can be known (item 14) -----------------


def test_sex_accuracy_only_over_cells_whose_sex_is_known():
    """A cell without X or Y crops, and one with a single X, say nothing of
    the sex; only the XY cell counts, and its sex is inferred wrong."""
    autosomes = np.repeat(np.arange(22), 2)
    xy = normal_cell('XY')
    scores_xy = confident_scores(xy)
    scores_xy[-1] = confident_scores([CHROMOSOME_CATEGORIES.index('X')])[0]
    labels = np.concatenate([autosomes, autosomes, [22], xy])
    scores = np.concatenate([confident_scores(autosomes),
                             confident_scores(np.append(autosomes, 22)),
                             scores_xy])
    cell_ids = ['a'] * 44 + ['b'] * 45 + ['c'] * 46
    metrics = KaryotypeMetric.calculate(scores, labels, cell_ids)
    assert metrics['cells'] == 3 and metrics['sexed_cells'] == 1
    assert metrics['sex_accuracy'] == 0
    metrics = KaryotypeMetric.calculate(scores[:44], labels[:44],
                                        cell_ids[:44])
    assert 'sex_accuracy' not in metrics and metrics['sexed_cells'] == 0


# -- One CSV reader for the dataset and tools/karyotype.py (item 12) --------


def write_cell_csv(root, text, encoding='utf-8'):
    from test_bad_input import write_crop
    for name in ('a.png', 'b.png', 'c.png'):
        write_crop(root / name)
    (root / 'cells.csv').write_bytes(text.encode(encoding))
    return str(root / 'cells.csv')


def test_cell_csv_with_byte_order_mark_and_spaces(tmp_path):
    from mmscl.karyotype.inference import read_cell_crops
    path = write_cell_csv(
        tmp_path, 'img_path,cell_id,label\r\na.png,c1 ,7\r\n'
        'b.png, c1, X \r\nc.png,c2,Y\r\n', 'utf-8-sig')
    crops = read_cell_crops(path)
    assert crops.cell_ids == ['c1', 'c1', 'c2']
    assert [CHROMOSOME_CATEGORIES[k] for k in crops.labels] == [
        '7', 'X', 'Y']
    assert crops.img_paths == [str(tmp_path / n)
                               for n in ('a.png', 'b.png', 'c.png')]


def test_cell_csv_with_a_partly_empty_label_column(tmp_path):
    from mmscl.karyotype.inference import read_cell_crops
    path = write_cell_csv(
        tmp_path, 'img_path,cell_id,label\na.png,c1,7\nb.png,c1,\n'
        'c.png,c1, \n')
    with pytest.raises(ValueError) as error:
        read_cell_crops(path)
    assert str(error.value) == (
        f'{path}, line 3: empty label, while 1 of 3 crops have one (2 '
        'without, e.g. lines 3, 4): give every crop its label, or none.')
    # A label column empty throughout: unlabelled crops.
    path = write_cell_csv(tmp_path, 'img_path,cell_id,label\na.png,c1,\n')
    assert read_cell_crops(path).labels is None


@pytest.mark.parametrize('img_path', ['../outside.png', '/etc/passwd'])
def test_cell_csv_paths_confined_to_its_folder(tmp_path, img_path):
    from mmscl.karyotype.inference import read_cell_crops
    path = write_cell_csv(tmp_path, f'img_path,cell_id\n{img_path},c1\n')
    with pytest.raises(ValueError, match=(
            rf"cells\.csv, line 2: img_path '{img_path}' is outside the "
            rf"image folder '{tmp_path}' \(absolute, or climbing out with "
            r'"\.\."\)\. Give paths relative to it\.$')):
        read_cell_crops(path)


# -- Stray spaces in ids (item 8) -------------------------------------------


def test_ids_with_stray_spaces_are_one_cell(tmp_path):
    from test_bad_input import data_infos, dataset, write_crop
    write_crop(tmp_path / 'a.png')
    write_crop(tmp_path / 'b.png')
    (tmp_path / 'ann.csv').write_text(
        'img_path,label,cell_id,patient_id\na.png,1,cell0 ,p1\n'
        'b.png, 2 , cell0,p1 \n')
    infos = data_infos(dataset(tmp_path, 'ann.csv', length_reference=None))
    assert [(i['gt_label'], i['cell_id'], i['patient_id'])
            for i in infos] == [(0, 'cell0', 'p1'), (1, 'cell0', 'p1')]


# -- An image listed twice (item 6) -----------------------------------------


def test_image_listed_twice_is_read_once_with_a_warning(tmp_path):
    from test_bad_input import data_infos, dataset, write_crop
    write_crop(tmp_path / 'a.png')
    write_crop(tmp_path / 'b.png')
    (tmp_path / 'ann.csv').write_text(
        'img_path,label\na.png,1\nb.png,2\n./a.png,1\nb.png,2\na.png, 1\n')
    with warnings_logged() as warnings:
        infos = data_infos(dataset(tmp_path, 'ann.csv',
                                   length_reference=None))
    assert [osp.basename(i['img_path']) for i in infos] == ['a.png', 'b.png']
    assert warnings[0] == (
        f"{tmp_path}/ann.csv: 3 entries repeat an image listed before with "
        "the same values, each read once: e.g. './a.png' (line 2, line 4), "
        "'b.png' (line 3, line 5), 'a.png' (line 2, line 6).")


def test_image_under_two_labels_is_an_error(tmp_path):
    from test_bad_input import dataset, write_crop
    write_crop(tmp_path / 'a.png')
    (tmp_path / 'ann.csv').write_text(
        'img_path,label,cell_id\na.png,1,c1\nsub/../a.png,2,c1\n')
    with pytest.raises(ValueError) as error:
        dataset(tmp_path, 'ann.csv')
    assert str(error.value) == (
        f"{tmp_path}/ann.csv, line 3: img_path 'sub/../a.png' is listed at "
        "line 2 too, with another label ('1' there, '2' here): one image "
        'is one crop of one type. Remove one of them.')


def test_json_image_in_two_cells_is_an_error(tmp_path):
    import json
    from test_bad_input import dataset, write_crop
    write_crop(tmp_path / 'a.png')
    (tmp_path / 'ann.json').write_text(json.dumps(dict(items=[dict(
        kar_type='normal', kar_files=['k1', 'k2'], k1=[['a.png', 1]],
        k2=[['a.png', 1]])])))
    with pytest.raises(ValueError, match=(
            r"ann\.json, items\[0\]\['k2'\]\[0\]: img_path '.*/a\.png' is "
            r"listed at items\[0\]\['k1'\]\[0\] too, with another cell_id "
            r"\('0/k1' there, '0/k2' here\)")):
        dataset(tmp_path, 'ann.json')


# -- The training set's crops or cells in the val / test set (item 7) -------


def test_train_tool_refuses_a_test_set_copied_from_training(tmp_path):
    import shutil

    from conftest import write_tiny_chromosome_set, write_tiny_config
    data = write_tiny_chromosome_set(str(tmp_path / 'data'))
    shutil.copy(osp.join(data, 'train.csv'), osp.join(data, 'test.csv'))
    config = write_tiny_config(tmp_path / 'tiny.py', data)
    work_dir = tmp_path / 'work'
    with pytest.raises(ValueError) as error:
        run_tool_main('train', config, '--work-dir', str(work_dir))
    assert str(error.value) == (
        f'Training set ({data}/train.csv) and evaluation sets overlap: the '
        f"test set ({data}/test.csv) holds 72 of the training set's images,"
        f" e.g. '{data}/train/chr 10_0.png', '{data}/train/chr 10_1.png', "
        f"'{data}/train/chr 10_2.png', ... (72 in all); the test set "
        f"({data}/test.csv) holds crops of 3 of the training set's cells, "
        "e.g. cell_id 'train0', 'train1', 'train2'. A model evaluated on "
        'crops or cells it trained on reports figures it cannot reach on '
        'new cells: split by cell (the converters in '
        'tools/dataset_converters do).')
    assert not list(work_dir.glob('**/*.pth'))


def test_train_tool_refuses_a_training_cell_in_validation(tmp_path):
    from mmscl.datasets.annotation import (read_annotation_csv,
                                           write_annotation_csv)
    from conftest import write_tiny_chromosome_set, write_tiny_config
    data = write_tiny_chromosome_set(str(tmp_path / 'data'))
    rows = read_annotation_csv(osp.join(data, 'val.csv'))
    rows[5]['cell_id'] = 'train1'
    write_annotation_csv(osp.join(data, 'val.csv'), rows)
    config = write_tiny_config(tmp_path / 'tiny.py', data)
    with pytest.raises(ValueError, match=(
            r"the validation set \(.*val\.csv\) holds crops of 1 of the "
            r"training set's cells, e.g. cell_id 'train1'\. A model")):
        run_tool_main('train', config, '--work-dir', str(tmp_path / 'work'))


def test_cells_numbered_per_patient_overlap_only_within_a_patient(
        tmp_path):
    from mmscl.datasets import ChromosomeDataset
    from mmscl.datasets.annotation import write_annotation_csv
    from mmscl.datasets.split_overlap import (SplitListing,
                                              check_disjoint_splits)
    from test_bad_input import write_crop

    def listing(name, ids):
        rows = []
        for n, (patient, cell) in enumerate(ids):
            write_crop(tmp_path / f'{name}{n}.png')
            rows.append(dict(img_path=f'{name}{n}.png', label='1',
                             cell_id=cell, patient_id=patient))
        write_annotation_csv(str(tmp_path / f'{name}.csv'), rows)
        return SplitListing(name, ChromosomeDataset(
            ann_file=f'{name}.csv', data_root=str(tmp_path),
            length_reference=None, on_invalid='warn'))

    train = listing('train', [('A', '1'), ('A', '2')])
    # Patient B's cells 1 and 2 are other cells than A's.
    check_disjoint_splits(train, [listing('test', [('B', '1'), ('B', '2')])])
    # A's cell 1 again, in a file told apart by patient (A/1, B/1).
    with pytest.raises(ValueError, match=(
            r"the val set \(.*val\.csv\) holds crops of 1 of the training "
            r"set's cells, e.g. cell_id 'A/1'\. A model")):
        check_disjoint_splits(
            train, [listing('val', [('A', '1'), ('B', '1')])])


# -- Class folders with files of other formats (items 11 and 19) -----------


def type_folders(root, skip=()):
    from test_bad_input import write_crop
    for name in CHROMOSOME_CATEGORIES:
        if name not in skip:
            write_crop(root / name / f'{name}_0.png')
    return root


def test_webp_crops_in_class_folders_are_read(tmp_path):
    from PIL import Image
    from test_bad_input import data_infos, dataset
    root = type_folders(tmp_path)
    Image.open(root / '7' / '7_0.png').save(root / '7' / '7_1.webp')
    (root / '7' / 'notes.txt').write_text('scanned 2026-12-01')
    (root / '9' / 'scan.svg').write_text('<svg/>')
    with warnings_logged() as warnings:
        infos = data_infos(dataset(root, folder_naming='type_name',
                                   length_reference=None))
    assert sum(osp.basename(i['img_path']) == '7_1.webp'
               for i in infos) == 1 and len(infos) == 25
    assert warnings == [
        f"ChromosomeDataset({root}/): left out 2 file(s) of formats not "
        "read as images (1 x '.txt' in 7/, 1 x '.svg' in 9/; readable: "
        'the formats Pillow decodes).']


def test_type_folder_of_unread_formats_says_what_was_there(tmp_path):
    from test_bad_input import dataset
    root = type_folders(tmp_path, skip=('Y', ))
    (root / 'Y').mkdir()
    for index in range(5):
        (root / 'Y' / f'Y_{index}.svg').write_text('<svg/>')
    with pytest.raises(ValueError) as error:
        dataset(root, folder_naming='type_name', test_mode=False,
                length_reference=None)
    assert str(error.value) == (
        f"ChromosomeDataset({root}/): 1 x empty type (e.g. \"no samples of "
        "type(s) ['Y']; left out 5 file(s) of formats not read as images "
        "(5 x '.svg' in Y/; readable: the formats Pillow decodes)\"). Fix "
        "the annotation, or set on_invalid='warn' to leave these entries "
        'out.')


# -- The documented external test config over every config (item 20) -------


def training_configs():
    """The shipped configs but the ChrmNet test configs (which are the
    pattern) and the bases."""
    import glob

    from conftest import CONFIGS
    paths = glob.glob(osp.join(CONFIGS, '**', '*.py'), recursive=True)
    return sorted(
        osp.relpath(path, CONFIGS) for path in paths
        if not osp.relpath(path, CONFIGS).startswith('_base_')
        and 'chrmnet_test.py' not in open(path).read())


@pytest.mark.parametrize('config', training_configs())
def test_chrmnet_test_config_pattern_over_every_config(tmp_path, config):
    """The pattern of chrmnet_test.py's comment and docs/bad_input.md, over
    each shipped config: resolved, nothing built."""
    from mmengine.config import Config

    from conftest import CONFIGS
    path = tmp_path / 'external.py'
    path.write_text(
        f"_base_ = ['{osp.join(CONFIGS, config)}',\n"
        f"          '{CONFIGS}/_base_/datasets/chrmnet_test.py']\n"
        'test_dataloader = _base_.chrmnet_test_dataloader\n'
        'test_evaluator = _base_.chrmnet_test_evaluator\n')
    cfg = Config.fromfile(str(path))
    assert cfg.test_evaluator == [dict(type='ChromosomeMetric',
                                       per_type=True)]
    dataset = cfg.test_dataloader.dataset
    assert (dataset.data_root, dataset.ann_file, dataset.folder_naming) == (
        'data/chrmnet/', '', 'zero_based')
    assert dataset.pipeline == Config.fromfile(
        osp.join(CONFIGS, config)).test_dataloader.dataset.pipeline
