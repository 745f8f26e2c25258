"""The annotation readers of mmscl.datasets.readers return the same records
for the same crops, and the ChrmNet converter reads class folders as the
dataset does."""
import json
import os.path as osp

import cv2
import numpy as np

from conftest import load_converter
from mmscl.datasets import ChromosomeDataset
from mmscl.datasets.annotation import (read_annotation_csv,
                                       write_annotation_csv)
from mmscl.datasets.readers import (read_class_folders, read_csv,
                                    read_karyotype_json)


def _write_crop(path):
    img = np.full((24, 12), 255, np.uint8)
    img[4:20, 4:8] = 60
    cv2.imwrite(str(path), img)


def test_the_three_formats_give_the_same_records(tmp_path):
    # Two crops of one cell: type 1 (folder '0' when zero-based) and X.
    for folder, name in (('0', 'a.png'), ('22', 'b.png')):
        (tmp_path / folder).mkdir()
        _write_crop(tmp_path / folder / name)
    write_annotation_csv(str(tmp_path / 'ann.csv'), [
        dict(img_path='0/a.png', label='1', cell_id='p/k1', patient_id='p'),
        dict(img_path='22/b.png', label='X', cell_id='p/k1',
             patient_id='p'),
    ])
    (tmp_path / 'ann.json').write_text(json.dumps({'items': [{
        'kar_type': 'normal', 'patient_id': 'p', 'kar_files': ['k1'],
        'k1': [['0/a.png', 1], ['22/b.png', 23]]}]}))
    root = str(tmp_path)
    expected = [
        dict(img_path=osp.join(root, '0', 'a.png'), label='1',
             cell_id='p/k1', patient_id='p'),
        dict(img_path=osp.join(root, '22', 'b.png'), label='X',
             cell_id='p/k1', patient_id='p'),
    ]
    assert read_csv(str(tmp_path / 'ann.csv'), root) == (expected, [])
    assert read_karyotype_json(str(tmp_path / 'ann.json'), root) == (
        expected, [])
    without_ids = [dict(img_path=r['img_path'], label=r['label'])
                   for r in expected]
    # ann.csv and ann.json lie beside the class folders: not read.
    assert read_class_folders(root, 'zero_based') == (without_ids, [])


def test_readers_say_what_they_left_out(tmp_path):
    (tmp_path / 'ann.json').write_text(json.dumps({'items': [
        {'kar_type': 'normal', 'kar_files': ['k'], 'k': [['a.png', 24]]},
        {'kar_type': 'abnormal', 'kar_files': []},
    ]}))
    records, notes = read_karyotype_json(str(tmp_path / 'ann.json'), 'img')
    assert records == [dict(img_path=osp.join('img', 'a.png'), label='Y',
                            cell_id='0/k', patient_id='0')]
    assert notes == [
        'skipped 1 of 2 items whose kar_type is not exactly "normal" '
        "(1 x 'abnormal'; skip_abnormal=False reads them)"]

    (tmp_path / 'X').mkdir()
    (tmp_path / 'X' / 'notes.txt').write_text('')
    _write_crop(tmp_path / 'X' / 'c.png')
    records, notes = read_class_folders(str(tmp_path), 'type_name')
    assert records == [dict(img_path=str(tmp_path / 'X' / 'c.png'),
                            label='X')]
    assert notes == [
        "left out 1 file(s) of formats not read as images (1 x '.txt' in "
        'X/; readable: the formats Pillow decodes)']


def test_chrmnet_converter_writes_the_crops_the_dataset_reads(
        tmp_path, capsys):
    src = tmp_path / 'chrmnet'
    for folder in range(24):
        (src / str(folder) / 'more').mkdir(parents=True)
        for index in range(10):
            _write_crop(src / str(folder) / f'{index}.png')
        # Read by both from a folder inside a class folder.
        _write_crop(src / str(folder) / 'more' / 'deep.png')
    (src / '3' / 'readme.txt').write_text('')
    (src / '3' / '.DS_Store').write_text('')
    out = tmp_path / 'ann'
    load_converter('chrmnet').main(
        [str(src), str(out), '--all', '--workers', '1'])
    summary = capsys.readouterr().out
    assert "1 x '.txt' in 3/" in summary
    written = {(row['img_path'], row['label'])
               for row in read_annotation_csv(str(out / 'all.csv'))}
    assert len(written) == 24 * 11
    assert (osp.join('22', 'more', 'deep.png'), 'X') in written

    dataset = ChromosomeDataset(data_prefix=str(src),
                                folder_naming='zero_based', test_mode=True,
                                length_reference=None)
    read = {(osp.relpath(info['img_path'], str(src)),
             dataset.CLASSES[info['gt_label']])
            for info in dataset.load_data_list()}
    assert read == written
