"""Broken and hostile inputs (issue 13): each test feeds one kind of bad
input and pins what the user sees. docs/bad_input.md lists them."""
import json
import os
import os.path as osp
import struct
import zlib
from argparse import Namespace

import cv2
import numpy as np
import pytest
import torch
from PIL import Image, TiffImagePlugin

from mmscl.datasets import (ChromosomeDataset, LoadChromosomeImage,
                            SyntheticChromosomeDataset)
from mmscl.datasets.annotation import (SPLIT_NAMES, read_annotation_csv,
                                       replace_annotation_files,
                                       write_annotation_csv)
from mmscl.datasets.synthetic import generate_synthetic_dataset
from mmscl.datasets.transforms import loading
from mmscl.evaluation.work_dirs import read_metrics_file
from mmscl.utils import find_resumable_checkpoint
from conftest import load_converter, load_tool, warnings_logged

HEADER = 'img_path,label\n'


def write_crop(path, value=90):
    """A dark bar on white, as a chromosome crop."""
    os.makedirs(osp.dirname(str(path)), exist_ok=True)
    img = np.full((20, 8), 255, np.uint8)
    img[2:18, 2:6] = value
    assert cv2.imwrite(str(path), img)


def write_bytes(path, content):
    os.makedirs(osp.dirname(str(path)), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(content)


def write_text(path, text, encoding='utf-8'):
    write_bytes(path, text.encode(encoding))


def dataset(root, ann_file='', **kwargs):
    kwargs.setdefault('test_mode', True)
    return ChromosomeDataset(
        ann_file=ann_file, data_root=str(root), **kwargs)


def data_infos(data):
    return [data.get_data_info(i) for i in range(len(data))]


@pytest.fixture
def crops(tmp_path):
    """tmp_path with a.png and b.png (readable crops)."""
    write_crop(tmp_path / 'a.png')
    write_crop(tmp_path / 'b.png')
    return tmp_path


# -- Converters: a bad source file is left out and counted (item 1) --------


def chrmnet_tree(root):
    for folder in range(24):
        write_crop(root / str(folder) / f'{folder}_0.png')
    return root


@pytest.mark.parametrize('kind', ['float32 tiff', 'zero bytes'])
def test_converter_leaves_out_bad_file(tmp_path, capsys, kind):
    root = chrmnet_tree(tmp_path / 'src')
    bad = root / '3' / 'bad.tif'
    if kind == 'float32 tiff':
        Image.fromarray(np.full((6, 3), 0.5, np.float32)).save(bad)
    else:
        write_bytes(bad, b'')
    load_converter('chrmnet').main(
        [str(root), str(tmp_path / 'out'), '--all', '--workers', '1'])
    out = capsys.readouterr().out
    assert 'unreadable, left out: ' in out and 'bad.tif' in out
    assert out.rstrip().splitlines()[-2] == '1 unreadable file(s) left out.'
    rows = read_annotation_csv(tmp_path / 'out' / 'all.csv')
    assert len(rows) == 24


def test_converter_skips_hidden_files(tmp_path, capsys):
    root = chrmnet_tree(tmp_path / 'src')
    write_bytes(root / '.DS_Store', b'\0\0')
    write_bytes(root / '5' / '._5_0.png', b'\0\5\x16\7')
    write_crop(root / '.ipynb_checkpoints' / 'x.png')
    load_converter('chrmnet').main(
        [str(root), str(tmp_path / 'out'), '--all', '--workers', '1'])
    assert '0 problem(s) found.' in capsys.readouterr().out
    assert len(read_annotation_csv(tmp_path / 'out' / 'all.csv')) == 24


# -- Converters and generator: no silent overwrite (item 2) -----------------


def test_converter_refuses_to_overwrite(tmp_path, capsys):
    root = chrmnet_tree(tmp_path / 'src')
    out = tmp_path / 'out'
    write_text(out / 'train.csv', HEADER + 'hand/edited.png,7\n')
    with pytest.raises(SystemExit):
        load_converter('chrmnet').main(
            [str(root), str(out), '--all', '--workers', '1'])
    assert capsys.readouterr().err.splitlines()[-1].endswith(
        f': error: {out} already holds train.csv: nothing was '
        'written. Move them away, or pass --overwrite (overwrite=True) to '
        'replace them.')
    assert sorted(os.listdir(out)) == ['train.csv']
    assert (out / 'train.csv').read_text() == HEADER + 'hand/edited.png,7\n'


def test_converter_overwrite_leaves_no_stale_split(tmp_path, capsys):
    root = chrmnet_tree(tmp_path / 'src')
    out = tmp_path / 'out'
    for name in SPLIT_NAMES:
        write_text(out / f'{name}.csv', HEADER)
    load_converter('chrmnet').main(
        [str(root), str(out), '--all', '--overwrite', '--workers', '1'])
    assert sorted(os.listdir(out)) == ['all.csv']


def test_converter_overwrite_of_all_with_splits(tmp_path):
    root = tmp_path / 'src'
    for folder in range(24):
        for index in range(10):
            write_crop(root / str(folder) / f'{folder}_{index}.png')
    out = tmp_path / 'out'
    write_text(out / 'all.csv', HEADER)
    load_converter('chrmnet').main(
        [str(root), str(out), '--overwrite', '--workers', '1'])
    assert sorted(os.listdir(out)) == ['test.csv', 'train.csv', 'val.csv']


def test_failed_write_keeps_the_old_set(tmp_path):
    write_text(tmp_path / 'train.csv', HEADER + 'old.png,1\n')

    def fail(path):
        raise OSError('disk full')

    with pytest.raises(OSError, match='disk full'):
        replace_annotation_files(
            str(tmp_path), {
                'all.csv':
                lambda path: write_annotation_csv(path, []),
                'val.csv': fail
            })
    assert sorted(os.listdir(tmp_path)) == ['train.csv']
    assert (tmp_path / 'train.csv').read_text() == HEADER + 'old.png,1\n'


def test_generator_refuses_to_overwrite(tmp_path, capsys):
    write_text(tmp_path / 'test.json', '{"items": []}')
    with pytest.raises(FileExistsError, match=r'test\.json'):
        generate_synthetic_dataset(str(tmp_path), 1, progress=False)
    make_synthetic = load_converter('make_synthetic')
    with pytest.raises(SystemExit):
        make_synthetic.main(['--out', str(tmp_path), '--cells', '1'])
    assert ': error: ' in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ['test.json']


def test_generator_meta_json_cut_short(tmp_path):
    write_text(tmp_path / 'meta.json', '{"seed": 0, "num_')
    with pytest.raises(ValueError, match=r'meta\.json, line 1 column 13: not '
                       r'valid JSON .*Delete'):
        SyntheticChromosomeDataset(
            data_root=str(tmp_path), num_cells=1, test_mode=True)


def test_synthetic_dataset_over_foreign_annotation(tmp_path):
    write_text(tmp_path / 'train.csv', HEADER)
    with pytest.raises(FileExistsError, match='holds annotation files but no '
                       'meta.json'):
        SyntheticChromosomeDataset(data_root=str(tmp_path), num_cells=1)
    assert os.listdir(tmp_path) == ['train.csv']


# -- Annotation files: errors name the file and the row (item 4) ------------


@pytest.mark.parametrize(
    'content, match',
    [
        ('a.png,1\nb.png\n', r'line 3: 1 fields, expected 2 \(img_path, '
         r'label\)'),
        ('a.png,1\nb,c.png,2\n', r'line 3: 3 fields, expected 2.*Quote'),
        ('a.png,\n', r'line 2: empty label'),
        ('a.png,1\n"b.png,2\n', r'line 3: 1 fields'),
    ],
    ids=['too few fields', 'too many fields', 'empty label',
         'unclosed quote'])
def test_csv_row_errors(crops, content, match):
    write_text(crops / 'ann.csv', HEADER + content)
    with pytest.raises(ValueError, match=r'ann\.csv, ' + match):
        dataset(crops, 'ann.csv')


def test_csv_missing_column(crops):
    write_text(crops / 'ann.csv', 'path,label\na.png,1\n')
    with pytest.raises(ValueError, match=r"ann\.csv, line 1: .*missing "
                       r"\['img_path'\]"):
        dataset(crops, 'ann.csv')


def test_csv_not_utf8(crops):
    write_text(crops / 'ann.csv', HEADER + 'a.png,1\nb\xe9.png,2\n', 'latin-1')
    with pytest.raises(ValueError, match=r'ann\.csv, line 3: not UTF-8 text '
                       r'\(byte 0xe9.*CSV UTF-8'):
        dataset(crops, 'ann.csv')


def test_csv_with_byte_order_mark(crops):
    write_text(crops / 'ann.csv', HEADER + 'a.png,X\r\nb.png,Y\r\n',
               'utf-8-sig')
    infos = data_infos(dataset(crops, 'ann.csv'))
    assert [(osp.basename(i['img_path']), i['gt_label'])
            for i in infos] == [('a.png', 22), ('b.png', 23)]


def karyotype(crops, kar_type='normal'):
    item = dict(kar_files=['k1'], k1=[[c, 1] for c in crops])
    if kar_type is not None:
        item['kar_type'] = kar_type
    return item


@pytest.mark.parametrize(
    'content, match',
    [
        ('{"items": [}', r'line 1 column 12: not valid JSON'),
        ({'cells': []}, r'expected an object with a list "items".*'
         r"found \['cells'\]"),
        ({'items': [karyotype(['a.png']), 'b.png']},
         r'items\[1\]: expected an object'),
        ({'items': [dict(kar_type='normal', kar_files=['k1', 'k2'],
                         k1=[['a.png', 1]])]},
         r"items\[0\]: \"kar_files\" names 'k2' but the item has no list"),
        ({'items': [dict(kar_type='normal', kar_files=['k1'],
                         k1=[['a.png', 1], ['b.png']])]},
         r"items\[0\]\['k1'\]\[1\]: expected \[\"image path\", label "
         r"1..24\], got \['b.png'\]"),
    ],
    ids=['invalid json', 'no items', 'item not an object',
         'missing karyotype list', 'crop not a pair'])
def test_json_errors(crops, content, match):
    write_text(crops / 'ann.json', content if isinstance(content, str) else
               json.dumps(content))
    with pytest.raises(ValueError, match=r'ann\.json.*' + match):
        dataset(crops, 'ann.json')


def test_json_label_out_of_range(crops):
    write_text(crops / 'ann.json',
               json.dumps(dict(items=[karyotype(['a.png'])] + [
                   dict(kar_type='normal', kar_files=['k'], k=[['b.png',
                                                                25]])
               ])))
    with pytest.raises(ValueError, match=r"unknown label.*b\.png: 25 "
                       r'\(JSON label, expected 1..24\)'):
        dataset(crops, 'ann.json')


def test_metrics_json_cut_short(tmp_path):
    write_text(tmp_path / 'metrics.json', '{"chromosome/accuracy": 9')
    with pytest.raises(ValueError, match=r'metrics\.json, line 1 column 26: '
                       'not valid JSON.*cut short'):
        read_metrics_file(str(tmp_path / 'metrics.json'))


# -- Silent drops and inclusions (item 5) -----------------------------------


def test_json_skipped_items_are_reported(crops):
    write_text(
        crops / 'ann.json',
        json.dumps(
            dict(items=[
                karyotype(['a.png']),
                karyotype(['b.png'], 'Normal'),
                karyotype(['b.png'], None)
            ])))
    with warnings_logged() as records:
        infos = data_infos(dataset(crops, 'ann.json'))
    assert len(infos) == 1
    assert any("skipped 2 of 3 items whose kar_type is not exactly "
               "\"normal\" (1 x 'Normal', 1 x no kar_type" in r
               for r in records)


def test_json_all_items_skipped_is_an_error(crops):
    write_text(crops / 'ann.json',
               json.dumps(dict(items=[karyotype(['a.png'], 'Normal')])))
    with pytest.raises(ValueError, match=r"no entries to train on \(skipped "
                       r"1 of 1 items.*1 x 'Normal'"):
        dataset(crops, 'ann.json', test_mode=False)


def test_empty_test_set_is_an_error(crops):
    write_text(crops / 'test.csv', HEADER)
    with pytest.raises(ValueError, match=r'test\.csv\): no entries to test '
                       r'on \(the annotation lists no crops\)'):
        dataset(crops, 'test.csv')


def test_class_folders_skip_hidden_entries(tmp_path):
    write_crop(tmp_path / '0' / 'a.png')
    write_crop(tmp_path / '0' / '.ipynb_checkpoints' / 'a-checkpoint.png')
    write_bytes(tmp_path / '0' / '._a.png', b'\0\5\x16\7')
    write_bytes(tmp_path / '0' / '.DS_Store', b'\0')
    write_crop(tmp_path / '.trash' / 'b.png')
    infos = data_infos(dataset(tmp_path, folder_naming='zero_based'))
    assert [osp.relpath(i['img_path'], tmp_path) for i in infos] == [
        osp.join('0', 'a.png')
    ]


# -- Unreadable images are found at start-up (item 6) -----------------------


@pytest.mark.parametrize(
    'kind', ['zero bytes', 'truncated', 'text named png', 'float32 tiff'])
def test_start_up_check_finds_unreadable_image(crops, kind):
    bad = crops / 'bad.png'
    if kind == 'zero bytes':
        write_bytes(bad, b'')
    elif kind == 'truncated':
        write_bytes(bad, (crops / 'a.png').read_bytes()[:40])
    elif kind == 'text named png':
        write_text(bad, 'not an image')
    else:
        bad = crops / 'bad.tif'
        Image.fromarray(np.full((6, 3), 0.5, np.float32)).save(bad)
    write_text(crops / 'ann.csv', HEADER + f'a.png,1\n{bad.name},2\n')
    with pytest.raises(ValueError, match=r'1 x unreadable image \(e\.g\. .*'
                       + bad.name):
        dataset(crops, 'ann.csv')
    infos = data_infos(dataset(crops, 'ann.csv', on_invalid='warn'))
    assert [osp.basename(i['img_path']) for i in infos] == ['a.png']


def test_without_start_up_check_the_late_error_is_unchanged(crops):
    write_bytes(crops / 'bad.png', b'')
    write_text(crops / 'ann.csv', HEADER + 'bad.png,2\n')
    data = dataset(
        crops,
        'ann.csv',
        check_images=False,
        length_reference=None,  # measuring lengths decodes every image too
        pipeline=[LoadChromosomeImage()])
    with pytest.raises(OSError, match=r'Cannot decode image file .*bad\.png'):
        data[0]


def test_start_up_check_uses_the_pipeline_loader(crops):
    write_text(crops / 'ann.csv', HEADER + 'a.png,1\n')
    with pytest.raises(ValueError, match='more than the limit of 100'):
        dataset(crops, 'ann.csv', pipeline=[LoadChromosomeImage(
            max_pixels=100)])


# -- The image loader's guards (item 7) -------------------------------------


def png_header_only(width, height):
    """A PNG declaring width x height 8-bit gray pixels, without data."""

    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data +
                struct.pack('>I', zlib.crc32(kind + data)))

    return (b'\x89PNG\r\n\x1a\n' +
            chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 0, 0, 0,
                                       0)) + chunk(b'IEND', b''))


@pytest.mark.parametrize('backends', [('pillow', 'cv2'), ('cv2', 'pillow')])
def test_decompression_bomb_refused_by_every_backend(backends):
    with pytest.raises(OSError, match='bomb.png: more pixels than PIL allows'):
        loading.imdecode_grayscale(
            png_header_only(100000, 100000), 'bomb.png', backends=backends)
    small = cv2.imencode('.png', np.zeros((20, 20), np.uint8))[1].tobytes()
    with pytest.raises(OSError, match=r'20 x 20 = 400 pixels, more than the '
                       r'limit of 399 \(max_pixels\)'):
        loading.imdecode_grayscale(
            small, 'x.png', backends=backends, max_pixels=399)


@pytest.fixture
def twelve_bit_png():
    img = np.array([[0, 1000, 4095]], np.uint16)
    return cv2.imencode('.png', img)[1].tobytes()


def test_12_bit_data_warned_once(twelve_bit_png, monkeypatch):
    monkeypatch.setattr(loading, '_warned_low_bit_depth', False)
    with warnings_logged() as records:
        for _ in range(2):
            img = loading.imdecode_grayscale(twelve_bit_png, 'dim.png')
    assert img.tolist() == [[0, 4, 16]]
    assert len(records) == 1 and 'dim.png: a 16-bit image whose maximum ' \
        'is 4095' in records[0] and 'bit_depth=12' in records[0]


def test_12_bit_data_scaled_by_bit_depth(twelve_bit_png):
    img = loading.imdecode_grayscale(twelve_bit_png, 'x.png', bit_depth=12)
    assert img.tolist() == [[0, 62, 255]]
    too_high = cv2.imencode('.png', np.array([[4096]], np.uint16))[1]
    with pytest.raises(ValueError, match=r'x\.png: values up to 4096, more '
                       r'than 12-bit data hold'):
        loading.imdecode_grayscale(
            too_high.tobytes(), 'x.png', bit_depth=12)


def test_opencv_warnings_kept_out_of_the_log(tmp_path, capfd):
    info = TiffImagePlugin.ImageFileDirectory_v2()
    info[65000] = 'unknown tag'
    Image.fromarray(np.full((6, 3), 90, np.uint8)).save(
        tmp_path / 'odd.tif', tiffinfo=info)
    img = loading.imread_grayscale(
        str(tmp_path / 'odd.tif'), backends=('cv2', ))
    assert img.shape == (6, 3)
    assert capfd.readouterr().err == ''


# -- Paths that leave the data root (item 8) --------------------------------


@pytest.mark.parametrize('path', ['../outside.png', 'sub/../../outside.png',
                                  '/etc/passwd'])
def test_paths_outside_the_root_refused(crops, path):
    write_text(crops / 'ann.csv', HEADER + f'a.png,1\n{path},2\n')
    with pytest.raises(ValueError, match=r'ann\.csv, line 3: img_path '
                       f"'{path}' is outside the image folder.*"
                       'confine_to_root=False'):
        dataset(crops, 'ann.csv')


def test_json_path_outside_the_root_refused(crops):
    write_text(crops / 'ann.json',
               json.dumps(dict(items=[karyotype(['a.png', '../b.png'])])))
    with pytest.raises(ValueError, match=r"items\[0\]\['k1'\]\[1\]: img_path "
                       r"'\.\./b\.png' is outside"):
        dataset(crops, 'ann.json')


def test_confine_to_root_can_be_turned_off(tmp_path):
    write_crop(tmp_path / 'outside.png')
    root = tmp_path / 'root'
    write_text(root / 'ann.csv', HEADER + '../outside.png,1\n')
    [info] = data_infos(dataset(root, 'ann.csv', confine_to_root=False))
    assert osp.normpath(info['img_path']) == str(tmp_path / 'outside.png')


# -- Auto-resume over a truncated checkpoint (item 10) ----------------------


def save_checkpoints(work_dir, iters):
    for it in iters:
        torch.save(dict(meta=dict(iter=it)), work_dir / f'iter_{it}.pth')
    write_text(work_dir / 'last_checkpoint',
               str(work_dir / f'iter_{iters[-1]}.pth'))


def test_auto_resume_falls_back_to_the_newest_intact(tmp_path):
    save_checkpoints(tmp_path, [2, 4, 6])
    for it in (6, 4):
        path = tmp_path / f'iter_{it}.pth'
        path.write_bytes(path.read_bytes()[:100])
    with warnings_logged() as records:
        found = find_resumable_checkpoint(str(tmp_path))
    assert found == str(tmp_path / 'iter_2.pth')
    assert records == [
        f'Auto-resume: {tmp_path}/iter_6.pth is truncated or corrupt (not a '
        f'whole zip archive); resuming from {tmp_path}/iter_2.pth, the '
        'newest intact checkpoint, instead.'
    ]


def test_auto_resume_without_intact_checkpoint(tmp_path):
    assert find_resumable_checkpoint(str(tmp_path)) is None
    save_checkpoints(tmp_path, [2])
    write_bytes(tmp_path / 'iter_2.pth', b'PK\3\4')
    with pytest.raises(RuntimeError, match='no intact checkpoint.*iter_2.pth '
                       'are truncated or corrupt'):
        find_resumable_checkpoint(str(tmp_path))


def test_train_tool_resumes_from_the_intact_checkpoint(tmp_path):
    save_checkpoints(tmp_path, [2, 4])
    (tmp_path / 'iter_4.pth').write_bytes(b'')
    train = load_tool('train')
    from mmengine.config import Config
    args = Namespace(
        launcher='none', work_dir=str(tmp_path), no_validate=False,
        amp=False, resume='auto', auto_scale_lr=False, cfg_options=None,
        no_pin_memory=False, no_persistent_workers=False, input_size=None,
        max_iters=None)
    cfg = train.merge_args(Config(dict()), args)
    assert cfg.resume and cfg.load_from is None  # resolved under the lock
    cfg = train.resolve_auto_resume(cfg, args)
    assert cfg.resume and cfg.load_from == str(tmp_path / 'iter_2.pth')


