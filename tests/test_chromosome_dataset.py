import json
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest

from mmscl.datasets import CHROMOSOME_CATEGORIES, ChromosomeDataset
from mmscl.datasets.annotation import write_annotation_csv


def write_image(path):
    img = np.full((8, 4), 255, np.uint8)
    img[2:6, 1:3] = 40  # a chromosome, for the length measurement
    cv2.imwrite(str(path), img)


@pytest.fixture
def csv_root(tmp_path):
    """Two crops of every type, file names with spaces."""
    rows = []
    for k, name in enumerate(CHROMOSOME_CATEGORIES):
        for h in range(2):
            img = f'cell {h}/chr {name}.png'
            (tmp_path / f'cell {h}').mkdir(exist_ok=True)
            write_image(tmp_path / img)
            rows.append(dict(img_path=img, label=name, cell_id=f'cell {h}',
                             patient_id='p1'))
    write_annotation_csv(str(tmp_path / 'train.csv'), rows)
    return tmp_path


def test_csv(csv_root):
    dataset = ChromosomeDataset(ann_file='train.csv', data_root=str(csv_root))
    assert dataset.CLASSES == CHROMOSOME_CATEGORIES
    assert len(dataset) == 48
    info = dataset.get_data_info(47)
    assert info['img_path'] == osp.join(str(csv_root), 'cell 1/chr Y.png')
    assert info['gt_label'] == 23
    assert info['cell_id'] == 'cell 1' and info['patient_id'] == 'p1'
    assert dataset.get_gt_labels().tolist() == [
        k for k in range(24) for _ in range(2)]


def test_csv_without_optional_columns(tmp_path):
    rows = []
    for name in CHROMOSOME_CATEGORIES:
        write_image(tmp_path / f'{name}.png')
        rows.append(dict(img_path=f'{name}.png', label=name))
    write_annotation_csv(str(tmp_path / 'a.csv'), rows)
    dataset = ChromosomeDataset(ann_file=str(tmp_path / 'a.csv'),
                                data_prefix=str(tmp_path))
    assert 'cell_id' not in dataset.get_data_info(0)
    assert dataset.get_data_info(22)['gt_label'] == 22  # X


def test_karyotype_json(tmp_path):
    def karyotype(prefix):
        entries = []
        for label in range(1, 25):
            write_image(tmp_path / f'{prefix}_{label}.png')
            entries.append([f'{prefix}_{label}.png', label])
        return entries

    items = [
        dict(kar_type='normal', kar_files=['k1', 'k2'],
             k1=karyotype('a1'), k2=karyotype('a2')),
        dict(kar_type='abnormal', kar_files=['k1'], k1=karyotype('b1')),
    ]
    (tmp_path / 'train.json').write_text(json.dumps(dict(items=items)))
    dataset = ChromosomeDataset(ann_file='train.json',
                                data_root=str(tmp_path))
    assert len(dataset) == 48
    info = dataset.get_data_info(24 + 22)
    assert info['gt_label'] == 22  # label 23 is X
    assert info['img_path'].endswith('a2_23.png')
    assert info['cell_id'] == '0/k2' and info['patient_id'] == '0'
    with_abnormal = ChromosomeDataset(
        ann_file='train.json', data_root=str(tmp_path), skip_abnormal=False)
    assert len(with_abnormal) == 72
    assert with_abnormal.get_data_info(48)['patient_id'] == '1'


@pytest.mark.parametrize('naming, folders', [
    ('zero_based', [str(i) for i in range(24)]),
    ('one_based', [str(i) for i in range(1, 25)]),
    ('type_name', list(CHROMOSOME_CATEGORIES)),
])
def test_class_folders(tmp_path, naming, folders):
    for folder in folders:
        (tmp_path / folder).mkdir()
        write_image(tmp_path / folder / f'img {folder}.png')
    dataset = ChromosomeDataset(data_prefix=str(tmp_path),
                                folder_naming=naming)
    label_of = {
        osp.basename(osp.dirname(dataset.get_data_info(i)['img_path'])):
        dataset.get_data_info(i)['gt_label']
        for i in range(len(dataset))
    }
    # Folder '10' is type 11 (zero-based) and never sorted after '1'.
    assert label_of == {folder: k for k, folder in enumerate(folders)}


def test_folders_need_a_naming(tmp_path):
    with pytest.raises(ValueError, match='folder_naming'):
        ChromosomeDataset(data_prefix=str(tmp_path))
    with pytest.raises(ValueError, match='folder_naming'):
        ChromosomeDataset(data_prefix=str(tmp_path), folder_naming='sorted')


def test_unknown_folder_is_reported(tmp_path):
    for k in range(25):  # '24' is no type in zero-based naming
        (tmp_path / str(k)).mkdir()
        write_image(tmp_path / str(k) / 'a.png')
    with pytest.raises(ValueError, match=r"1 x unknown label .*24/a.png"):
        ChromosomeDataset(data_prefix=str(tmp_path),
                          folder_naming='zero_based')


def test_missing_file_and_unknown_label(csv_root):
    rows = [dict(img_path=f'cell 0/chr {n}.png', label=n)
            for n in CHROMOSOME_CATEGORIES]
    shutil.copy(csv_root / 'cell 0' / 'chr 1.png',
                csv_root / 'cell 0' / 'chr 1 copy.png')
    rows += [dict(img_path='gone.png', label='1'),
             dict(img_path='cell 0/chr 1 copy.png', label='25')]
    write_annotation_csv(str(csv_root / 'bad.csv'), rows)
    with pytest.raises(ValueError) as error:
        ChromosomeDataset(ann_file='bad.csv', data_root=str(csv_root))
    message = str(error.value)
    assert 'bad.csv' in message
    assert "1 x unknown label (e.g. '" in message and ": 25'" in message
    assert '1 x missing image file' in message and 'gone.png' in message

    dataset = ChromosomeDataset(ann_file='bad.csv', data_root=str(csv_root),
                                on_invalid='warn')
    assert len(dataset) == 24


def test_empty_type(csv_root):
    rows = [dict(img_path=f'cell 0/chr {n}.png', label=n)
            for n in CHROMOSOME_CATEGORIES[:-1]]
    write_annotation_csv(str(csv_root / 'no_y.csv'), rows)
    with pytest.raises(ValueError, match=r"no samples of type\(s\) \['Y'\]"):
        ChromosomeDataset(ann_file='no_y.csv', data_root=str(csv_root))
    # A test split may lack a type: it is only reported.
    dataset = ChromosomeDataset(ann_file='no_y.csv', data_root=str(csv_root),
                                test_mode=True)
    assert len(dataset) == 23


def test_bad_annotation_files(tmp_path):
    with pytest.raises(ValueError, match=r'\.csv or \.json'):
        ChromosomeDataset(ann_file='a.txt', data_root=str(tmp_path))
    with pytest.raises(FileNotFoundError, match='nothere.csv'):
        ChromosomeDataset(ann_file='nothere.csv', data_root=str(tmp_path))
    (tmp_path / 'cols.csv').write_text('path,type\na.png,1\n')
    with pytest.raises(ValueError, match="missing \\['img_path', 'label'\\]"):
        ChromosomeDataset(ann_file='cols.csv', data_root=str(tmp_path))


def test_pipeline_gives_one_channel(csv_root):
    dataset = ChromosomeDataset(
        ann_file='train.csv', data_root=str(csv_root),
        pipeline=[dict(type='LoadChromosomeImage'),
                  dict(type='Letterbox', canvas_size=16, scale=32),
                  dict(type='PackInputs')])
    sample = dataset[0]
    assert tuple(sample['inputs'].shape) == (1, 32, 32)
    assert sample['data_samples'].gt_label.item() == 0


def test_gband_crops_with_synthetic_cells_added(csv_root, tmp_path):
    from benchmarks.synthetic_mix import ChromosomeDatasetWithSynthetic
    from mmscl.datasets import SyntheticChromosomeDataset
    synthetic = dict(data_root=str(tmp_path / 'synthetic'), num_cells=1,
                     seed=3, splits=(1, 0, 0), workers=1,
                     on_invalid='warn')  # one cell: no Y if it is XX
    mixed = ChromosomeDatasetWithSynthetic(
        synthetic=synthetic, ann_file='train.csv', data_root=str(csv_root))
    alone = SyntheticChromosomeDataset(**synthetic)
    own = ChromosomeDataset(ann_file='train.csv', data_root=str(csv_root))
    assert len(own) == 48 and len(alone) == 46
    assert len(mixed) == 94
    # Each part keeps its own references: the synthetic dataset's median
    # is not the one of the gband crops beside it.
    for i, info in enumerate(own.data_list):
        assert mixed.get_data_info(i)['ref_lengths'] == info['ref_lengths']
    for i, info in enumerate(alone.data_list):
        mixed_info = mixed.get_data_info(48 + i)
        assert mixed_info['img_path'] == info['img_path']
        assert mixed_info['gt_label'] == info['gt_label']
        assert mixed_info['ref_lengths'] == info['ref_lengths']


def test_misspelt_id_columns_are_named_not_silently_dropped(csv_root):
    from conftest import warnings_logged
    with open(csv_root / 'train.csv') as f:
        text = f.read()
    header, body = text.split('\n', 1)
    assert header == 'img_path,label,cell_id,patient_id'
    (csv_root / 'misspelt.csv').write_text(
        'img_path,label,Cell_ID,patient\n' + body)
    with warnings_logged() as warnings:
        dataset = ChromosomeDataset(ann_file='misspelt.csv',
                                    data_root=str(csv_root))
    assert [w for w in warnings if 'not read' in w] == [
        f'ChromosomeDataset({csv_root}/misspelt.csv): column(s) '
        "'Cell_ID' (did you mean 'cell_id'?), 'patient' (did you mean "
        "'patient_id'?) not read: the columns read are ('img_path', "
        "'label', 'cell_id', 'patient_id', 'case_id').",
    ]
    # Unread, the ids give no reference: every crop takes the dataset's.
    assert {dataset.get_data_info(i)['ref_level']
            for i in range(len(dataset))} == {'dataset'}
    with warnings_logged() as warnings:
        ChromosomeDataset(ann_file='train.csv', data_root=str(csv_root))
    assert not [w for w in warnings if 'not read' in w]


def test_cell_ids_numbered_per_patient_are_told_apart(tmp_path):
    from conftest import warnings_logged
    from mmscl.datasets.annotation import cell_ids_within_patients
    from mmscl.karyotype.inference import read_cell_crops
    assert cell_ids_within_patients([('1', 'A'), ('2', 'A'), ('3', None)]) \
        == (['1', '2', '3'], [])
    assert cell_ids_within_patients(
        [('1', 'A'), ('1', 'B'), ('2', None), (None, 'B')]) == (
            ['A/1', 'B/1', '2', None],
            ["1 cell_id(s) name cells of several patients (e.g. '1' in "
             "['A', 'B']): each cell is told apart by its patient, as "
             "'<patient_id>/<cell_id>'"])
    # Patients A and B, each with cells '1' and '2' of 12 crops; B's
    # chromosomes are drawn 3 times as long.
    rows = []
    for patient, scale in (('A', 1), ('B', 3)):
        for cell in ('1', '2'):
            for k in range(12):
                img = np.full((8 + 3 * (4 + k) * scale, 10), 255, np.uint8)
                img[4:4 + 3 * (4 + k) * scale, 3:7] = 40
                path = f'{patient}{cell}_{k}.png'
                cv2.imwrite(str(tmp_path / path), img)
                rows.append(dict(img_path=path, label=CHROMOSOME_CATEGORIES[k],
                                 cell_id=cell, patient_id=patient))
    write_annotation_csv(str(tmp_path / 'cells.csv'), rows)
    with warnings_logged() as warnings:
        dataset = ChromosomeDataset(ann_file='cells.csv',
                                    data_root=str(tmp_path),
                                    on_invalid='warn')
    assert any('told apart by its patient' in w for w in warnings)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert [info['cell_id'] for info in infos[::12]] == [
        'A/1', 'A/2', 'B/1', 'B/2']
    a_ref = infos[0]['ref_lengths']['cell']
    b_ref = infos[24]['ref_lengths']['cell']
    assert infos[0]['ref_level'] == 'cell'
    assert b_ref == pytest.approx(3 * a_ref, rel=0.05)
    with warnings_logged() as warnings:
        crops = read_cell_crops(str(tmp_path / 'cells.csv'))
    assert crops.cell_ids[::12] == ['A/1', 'A/2', 'B/1', 'B/2']
    assert any('told apart by its patient' in w for w in warnings)
