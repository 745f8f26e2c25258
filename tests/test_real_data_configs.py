"""The gband612 / qband119 configs and benchmarks/real_data.py.

The tests on real crops need ``<repo>/../shared/data`` and skip without it.
"""
import copy
import functools
import json
import math
import os
import os.path as osp
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import cv2
import mmengine
import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.registry import DefaultScope
from PIL import Image

import mmscl  # noqa: F401
from benchmarks import (pipeline_throughput, real_data, real_data_report,
                        real_data_sets, tool_run)
from conftest import (CONFIGS, REPO_ROOT, SHARED_DATA, assert_baseline_of,
                      load_converter, without, write_tiny_chromosome_set)
from mmscl.datasets import ChromosomeDataset
from mmscl.datasets.annotation import read_annotation_csv, write_annotation_csv
from mmscl.datasets.morphometry import measure_crop
from mmscl.datasets.transforms import imread_grayscale
from mmscl.datasets.categories import CHROMOSOME_CATEGORIES
from mmscl.evaluation import ChromosomeMetric
from mmscl.karyotype import balance_autosomes

needs_shared = pytest.mark.skipif(
    not all(
        osp.isfile(osp.join(SHARED_DATA, f'{name}.tar.gz'))
        for name in ('gband612', 'qband119')) or not shutil.which('tar'),
    reason='needs the real crops of ../shared/data and tar')

KINDS = ('scl', 'baseline')


@functools.lru_cache(maxsize=None)
def _load(rel_path):
    return Config.fromfile(osp.join(CONFIGS, rel_path))


def load(rel_path):
    return copy.deepcopy(_load(rel_path))


def transform(pipeline, type_name):
    [found] = [t for t in pipeline if t['type'] == type_name]
    return found


def make_benchmark(tmp_path, *argv):
    """A Benchmark of fake data roots, for its arguments and settings."""
    args = real_data.parse_args(
        ['--work-dir', str(tmp_path), '--rescaled', *argv])
    roots = {
        name: str(tmp_path / name)
        for name in real_data_sets.DATASETS
    }
    return real_data.Benchmark(args, roots)


def test_baseline_differs_from_scl_only_by_the_contrastive_loss():
    scl = load('scl/resnet18_gband612.py')
    baseline = load('baseline/resnet18_gband612.py')
    assert scl.model.head.contrastive_loss.type == 'PairedContrastiveLoss'
    assert scl.train_dataloader.sampler == dict(type='PairedTypeSampler')
    assert_baseline_of(scl, baseline)


def test_gband612_settings():
    cfg = load('scl/resnet18_gband612.py')
    assert cfg.model.backbone == dict(type='ResNet', depth=18, in_channels=1)
    assert cfg.train_dataloader.batch_size is None
    assert cfg.optim_wrapper.optimizer == dict(
        type='Adam', lr=1e-3, weight_decay=0.)
    assert cfg.train_cfg.max_iters == 3000
    # The cosine decay ends with the training, the CE warm-up takes 10%.
    assert cfg.param_scheduler[-1].end == cfg.train_cfg.max_iters
    assert transform(cfg.custom_hooks, 'CEWarmupHook').warmup_iters == 300
    assert cfg.param_scheduler[0].end == cfg.param_scheduler[1].begin == 150
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[loader].dataset
        assert dataset.data_root == 'data/gband612/'
        types = [t.type for t in dataset.pipeline]
        # Training draws the reference level (and jitters it) before the
        # Letterbox scales by it.
        if loader == 'train_dataloader':
            assert types[3:5] == ['RandomReferenceLevel',
                                  'RandomReferenceScale']
            del types[3:5]
        # Every crop upright (after the stain is normalised: its silhouette
        # is found dark on light), in training as at test.
        assert types[:4] == [
            'LoadChromosomeImage', 'NormalizeStain', 'AlignLongAxis',
            'Letterbox'
        ]
        letterbox = transform(dataset.pipeline, 'Letterbox')
        assert (letterbox.reference_fraction, letterbox.scale) == (0.4, 128)
        assert 'canvas_size' not in letterbox
    assert [d.ann_file for d in (cfg.train_dataloader.dataset,
                                 cfg.val_dataloader.dataset,
                                 cfg.test_dataloader.dataset)] == [
                                     'train.csv', 'val.csv', 'test.csv']
    level = transform(cfg.train_dataloader.dataset.pipeline,
                      'RandomReferenceLevel')
    assert level.level_probs == dict(cell=0.5, patient=0.25, dataset=0.25)
    rotate = transform(cfg.train_dataloader.dataset.pipeline, 'RandomRotate')
    assert rotate.fill == 255 and rotate.angle == 15.


def test_no_alignment_experiment_only_drops_align_long_axis():
    shipped = load('scl/resnet18_gband612.py')
    experiment = Config.fromfile(
        osp.join(REPO_ROOT, 'benchmarks', 'configs',
                 'scl_resnet18_gband612_no_alignment.py'))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        pipeline = shipped[loader].dataset.pipeline
        assert 'AlignLongAxis' in [t.type for t in pipeline]
        assert experiment[loader].dataset.pipeline == [
            t for t in pipeline if t.type != 'AlignLongAxis'
        ]
    assert experiment.tta_pipeline == [
        t for t in shipped.tta_pipeline if t.type != 'AlignLongAxis'
    ]
    assert experiment.model == shipped.model


@pytest.mark.parametrize('kind', KINDS)
def test_qband119_config_only_changes_the_test_set(kind):
    train = load(f'{kind}/resnet18_gband612.py')
    external = load(f'{kind}/resnet18_gband612_qband119.py')
    dataset = external.test_dataloader.dataset
    assert dataset.data_root == 'data/qband119/'
    assert dataset.ann_file == 'all.csv'
    # No setting of that lab: the training config's own test pipeline.
    assert dataset.pipeline == train.test_dataloader.dataset.pipeline
    helpers = [k for k in external if k not in train]
    assert helpers == ['qband119_test_dataloader']
    assert without(external, 'test_dataloader', *helpers) == without(
        train, 'test_dataloader')


def test_training_runs_get_the_schedule_rescaled(tmp_path):
    """--max-iters reaches tools/train.py, which rescales the whole
    schedule (set_max_iters); the settings read the configs as trained."""
    benchmark = make_benchmark(tmp_path, '--max-iters', '500')
    argv = benchmark.train_argv('scl', 1, 'w')
    assert argv[:6] == [
        osp.join(CONFIGS, 'scl', 'resnet18_gband612.py'), '--work-dir', 'w',
        '--no-validate', '--max-iters', '500'
    ]
    assert 'default_hooks.checkpoint.interval=500' in argv
    assert 'default_hooks.logger.interval=25' in argv
    cfg = benchmark.trained_config('scl')
    assert cfg.randomness.seed == 0
    assert cfg.train_cfg.max_iters == 500
    assert [(s.begin, s.end) for s in cfg.param_scheduler] == [(0, 25),
                                                               (25, 500)]
    assert cfg.custom_hooks[0].warmup_iters == 50
    settings = benchmark.settings
    assert settings['max_iters'] == 500
    assert settings['batches'] == {
        'baseline': '48 shuffled crops',
        'scl': '2 x 24 paired crops'
    }
    report = real_data_report.format_report({}, settings)
    assert ('500 steps of 48 shuffled crops (Baseline) / 2 x 24 paired '
            'crops (SCL), Adam lr 0.001;') in report


def test_validation_split_is_tested_with_the_internal_config(tmp_path):
    """--test-sets validation tests on gband612's val.csv with the
    training config, and reads nothing of qband119."""
    benchmark = make_benchmark(tmp_path, '--test-sets', 'validation',
                               '--methods', 'scl', '--external-suffix',
                               '_missing')
    assert benchmark.test_sets == ['validation']
    assert set(benchmark.ann_files) == {'train', 'validation'}
    argv = benchmark.test_argv('scl', 'validation', 'ckpt', 'w')
    assert argv[:4] == [
        osp.join(CONFIGS, 'scl', 'resnet18_gband612.py'), 'ckpt',
        '--work-dir', 'w'
    ]
    assert (f'test_dataloader.dataset.data_root={tmp_path / "gband612"}'
            in argv)
    assert (f'test_dataloader.dataset.ann_file='
            f'{tmp_path / "gband612" / "val.csv"}' in argv)
    assert benchmark.settings['test_sets'] == ['validation']
    # No copy of the internal test set either, unless asked for with it.
    assert real_data.parse_args(['--test-sets', 'validation']).rescaled == []
    assert real_data.parse_args([]).rescaled == [0.7, 1.7]
    with pytest.raises(SystemExit):
        real_data.parse_args(['--test-sets', 'validation', '--rescaled',
                              '0.7'])
    # The external test set needs the external config.
    with pytest.raises(FileNotFoundError, match='_missing.py'):
        make_benchmark(tmp_path, '--external-suffix', '_missing')


def fake_results(methods, test_sets):
    """Two seeds of each method: accuracy 90 / 92 (baseline) and 91 / 94
    (SCL; also the Table 2 models) on the first test set, 20 less
    (baseline) and 10 less (the others) on the others; recall one less;
    AUC 99; recall of Y 50."""

    def metrics(accuracy):
        return dict(accuracy=accuracy, recall=accuracy - 1, auc=99.,
                    recall_Y=50.)

    accuracies = dict(baseline=(90., 92.))
    drops = dict(baseline=20.)
    return {(method, seed): dict(
        {t: metrics(accuracy - (i > 0) * drops.get(method, 10.))
         for i, t in enumerate(test_sets)},
        train=dict(seconds=10., step_s=0.5, data_s=0.01))
            for method in methods
            for seed, accuracy in enumerate(
                accuracies.get(method, (91., 94.)))}


def fake_settings(methods, test_sets):
    return dict(
        backbone='ResNet-18', input_size=128,
        scale_setting='reference fraction 0.4', max_iters=2000,
        batches={
            m: '2 x 24 paired crops' if m == 'scl' else '48 shuffled crops'
            for m in methods
        },
        optimizer='Adam', lr=1e-3, seeds=[0, 1], subset=None,
        cfg_options=[], configs={m: f'{m}.py' for m in methods},
        test_sets=list(test_sets), machine='m', date='d')


def table_rows(text):
    """{first cell: other cells} of the rows of the Markdown tables."""
    return {
        line.split(' | ')[0][2:]: line[:-2].split(' | ')[1:]
        for line in text.splitlines() if line.startswith('| ')
    }


def test_report_pairs_seeds():
    test_sets = ['internal', 'external', 'internal_x0.7']
    report = real_data_report.format_report(
        fake_results(real_data_report.DEFAULT_METHODS, test_sets),
        fake_settings(real_data_report.DEFAULT_METHODS, test_sets))
    main, rescaled, per_type, runs = report.split('\n### ')
    assert ('- Train: gband612 train split; internal test: gband612 test '
            'split (held-out cases); external test: qband119, all crops '
            '(Q-band, inverted).') in main
    assert ('2000 steps of 48 shuffled crops (Baseline) / 2 x 24 paired '
            'crops (SCL)') in main
    assert ('- Mean ± sample std over seeds [0, 1] (Baseline), [0, 1] (SCL)'
            '; Δ paired by seed ([0, 1]).') in main
    table = table_rows(main)
    assert table['Method'] == [
        'Internal Accuracy', 'Internal Recall', 'Internal AUC',
        'External Accuracy', 'External Recall', 'External AUC'
    ]
    # Internal accuracy: 91 ± 1.41 and 92.5 ± 2.12; deltas 1 and 2 ->
    # +1.50 ± 0.71; external deltas 11 and 12 -> +11.50 ± 0.71.
    assert table['Baseline'] == [
        '91.00 ± 1.41', '90.00 ± 1.41', '99.00 ± 0.00', '71.00 ± 1.41',
        '70.00 ± 1.41', '99.00 ± 0.00'
    ]
    assert table['SCL'][0] == '92.50 ± 2.12'
    assert table['Δ SCL − baseline'] == [
        '+1.50 ± 0.71', '+1.50 ± 0.71', '+0.00 ± 0.00', '+11.50 ± 0.71',
        '+11.50 ± 0.71', '+0.00 ± 0.00'
    ]
    rescaled = table_rows(rescaled)
    assert rescaled['Method'] == ['Internal Accuracy',
                                  'Internal x0.7 Accuracy']
    assert rescaled['Δ SCL − baseline'] == ['+1.50 ± 0.71', '+11.50 ± 0.71']
    per_type = table_rows(per_type)
    assert per_type['Type'] == ['Baseline internal', 'SCL internal',
                                'Baseline external', 'SCL external']
    assert per_type['Y'] == ['50.0'] * 4 and per_type['1'] == ['-'] * 4
    runs = table_rows(runs)
    assert runs['Method'] == ['Seed', 'Train s', 's/step', 'data s/step',
                              'Internal Acc', 'External Acc']
    assert runs['SCL'] == ['1', '10.0', '0.5', '0.01', '94.00', '84.00']


def test_table2_models_run_from_their_comparison_configs(tmp_path):
    """--methods varifocal-net hr-net trains configs/comparison/<model>_
    gband612.py and tests externally with its _qband119 config; their rows
    join the table, with no SCL delta unless SCL and the baseline ran."""
    benchmark = make_benchmark(tmp_path, '--methods', 'varifocal-net',
                               'hr-net', 'scl')
    assert benchmark.methods == ['scl', 'varifocal-net', 'hr-net']
    for model in ('varifocal-net', 'hr-net'):
        config = osp.join(CONFIGS, 'comparison', f'{model}_gband612.py')
        assert benchmark.train_argv(model, 1, 'w')[0] == config
        assert benchmark.test_argv(model, 'external', 'ckpt', 'w')[0] == (
            config[:-len('.py')] + '_qband119.py')
    assert benchmark.settings['batches']['hr-net'] == '48 shuffled crops'
    assert benchmark.settings['backbone'] == 'ResNet-18'  # SCL's
    alone = make_benchmark(tmp_path, '--methods', 'varifocal-net')
    assert alone.settings['backbone'] == 'VarifocalNet'
    methods = ['scl', 'varifocal-net', 'hr-net']
    report = real_data_report.format_report(
        fake_results(methods, ['internal']),
        fake_settings(methods, ['internal']))
    table = table_rows(report.split('\n### ')[0])
    assert {'SCL', 'Varifocal-Net', 'HR-Net'} <= set(table)
    assert 'Δ SCL − baseline' not in table
    assert report.startswith('## SCL vs Varifocal-Net vs HR-Net on real')


@pytest.mark.parametrize('methods', [('scl', ), ('baseline', ),
                                     ('baseline', 'scl')])
@pytest.mark.parametrize('test_sets', [
    ('validation', ), ('external', ), ('internal_x1.7', ),
    ('validation', 'internal', 'external', 'internal_x0.7')
])
def test_report_any_test_sets_and_methods(methods, test_sets):
    report = real_data_report.format_report(
        fake_results(methods, test_sets), fake_settings(methods, test_sets))
    names = [real_data_report.METHOD_NAMES[m] for m in methods]
    assert report.startswith(f"## {' vs '.join(names)} on real crops\n")
    table = table_rows(report.split('\n### ')[0])
    main = [t for t in test_sets if '_x' not in t]
    if main:
        assert table['Method'][0] == f'{main[0].capitalize()} Accuracy'
        assert len(table['Method']) == 3 * len(main)
        assert table[names[-1]][0] == ('92.50 ± 2.12' if names[-1] == 'SCL'
                                       else '91.00 ± 1.41')
    assert ('Δ SCL − baseline' in table) == (len(methods) == 2 and
                                             bool(main))
    assert ('### Internal test with its crops resized' in report) == any(
        '_x' in t for t in test_sets)
    assert ('### Recall per type' in report) == bool(main)
    assert 'qband119' not in report.split('\n')[2] or 'external' in main
    runs = table_rows(report.split('### Runs')[1])
    assert len(runs) == 1 + len(methods)


def test_report_only_reads_the_runs_in_the_work_dir(tmp_path):
    """--report-only trains and tests nothing: the runs tested on every
    test set are read from the work dir, their training times from the
    last report."""
    data, work = tmp_path / 'data', tmp_path / 'work'
    for name, (crops, _) in real_data_sets.DATASETS.items():
        (data / name / crops).mkdir(parents=True)
    for csv in ('train.csv', 'val.csv'):
        (data / 'gband612' / csv).write_text('img_path,label\n')
    # SCL seeds 0 and 1, the baseline's seed 0; seed 1 of the baseline is
    # untested.
    for method, seed, accuracy in (('scl', 0, 91.), ('scl', 1, 94.),
                                   ('baseline', 0, 90.)):
        test_dir = (work / f'{method}_seed{seed}' / 'test_validation' /
                    '20260101_000000')
        test_dir.mkdir(parents=True)
        (test_dir / '20260101_000000.json').write_text(json.dumps({
            f'chromosome/{key}': accuracy
            for key in ('accuracy', 'recall', 'auc')
        }))
    (work / 'baseline_seed1').mkdir()
    (work / 'real_data.json').write_text(json.dumps(dict(runs=[
        dict(method='scl', seed=1, train=dict(seconds=12.5))
    ])))
    real_data.main([
        '--report-only', '--test-sets', 'validation', '--seeds', '2',
        '--data-dir', str(data), '--work-dir', str(work)
    ])
    with open(work / 'real_data.json') as f:
        report = json.load(f)
    assert [(r['method'], r['seed'], r['validation']['accuracy'], r['train'])
            for r in report['runs']] == [('baseline', 0, 90., {}),
                                         ('scl', 0, 91., {}),
                                         ('scl', 1, 94., {'seconds': 12.5})]
    table = table_rows((work / 'real_data.md').read_text().split('###')[0])
    assert table['Baseline'][0] == '90.00'
    assert table['SCL'][0] == '92.50 ± 2.12'
    assert table['Δ SCL − baseline'][0] == '+1.00'


@pytest.mark.parametrize('test_sets, datasets', [
    (['internal', 'external'], ['gband612', 'qband119']),
    (['validation'], ['gband612']),
])
def test_prepare_data_extracts_when_absent(tmp_path, test_sets, datasets):
    """The sets of the splits used are extracted from their tarballs, and
    only they; present CSVs are kept (no converter run)."""
    source = tmp_path / 'source'
    tarballs = tmp_path / 'tarballs'
    tarballs.mkdir()
    splits = [
        real_data_sets.TRAIN_SPLIT, *real_data_sets.TEST_SPLITS.values()
    ]
    for name, (crops, _) in real_data_sets.DATASETS.items():
        (source / name / crops).mkdir(parents=True)
        for split in splits:
            if split.dataset == name:
                (source / name / split.ann_file).write_text(
                    'img_path,label\n')
        with tarfile.open(tarballs / f'{name}.tar.gz', 'w:gz') as tar:
            tar.add(source / name, arcname=name)
    args = real_data.parse_args([
        '--data-dir', str(tmp_path / 'data'), '--tarball-dir',
        str(tarballs), '--work-dir', str(tmp_path / 'work'), '--rescaled',
        '--test-sets', *test_sets
    ])
    roots = real_data_sets.prepare_data(args)
    assert roots == {name: str(tmp_path / 'data' / name) for name in datasets}
    assert sorted(os.listdir(tmp_path / 'data')) == datasets
    assert osp.isfile(tmp_path / 'data' / 'gband612' / 'val.csv')


def write_published_layouts(root, num_cells=10):
    """Both sets as their tarballs lay them out (see ../shared/data's
    README): ``num_cells`` cells (each its own case) with one crop of each
    of the 24 types, dark bars on white for gband612 (TIFF) and bright on
    black for qband119 (BMP)."""
    for cell in range(num_cells):
        gband_cell = f'9700{cell:04d}.1'
        for k in range(1, 25):
            crop = np.full((20 + k, 12), 255, np.uint8)
            crop[2:-2, 3:-3] = 60
            folder = (root / 'gband612' / 'single_clase' /
                      f'{gband_cell}.tiff' / f'clase{k}')
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(crop).save(
                folder / f'clase{k}_0_{gband_cell}.tiff')
            folder = root / 'qband119' / 'single_chromosomes' / str(cell + 1)
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(255 - crop).save(
                folder / f'{cell + 1} {k}{"a" if k < 23 else ""}.bmp')


def test_prepare_data_from_an_empty_folder(tmp_path):
    """From an empty --data-dir, both sets are extracted and converted by
    the converters forked as real_data.py runs them (not in a new
    interpreter), into every CSV the benchmark reads."""
    source, tarballs = tmp_path / 'source', tmp_path / 'tarballs'
    write_published_layouts(source)
    tarballs.mkdir()
    for name in real_data_sets.DATASETS:
        with tarfile.open(tarballs / f'{name}.tar.gz', 'w:gz') as tar:
            tar.add(source / name, arcname=name)
    (tmp_path / 'work').mkdir()
    args = real_data.parse_args([
        '--data-dir', str(tmp_path / 'data'), '--tarball-dir',
        str(tarballs), '--work-dir', str(tmp_path / 'work'), '--test-sets',
        *real_data_sets.TEST_SPLITS
    ])
    assert not args.fresh_processes
    roots = real_data_sets.prepare_data(args)
    rows = {
        split.ann_file:
        read_annotation_csv(osp.join(roots[split.dataset], split.ann_file))
        for split in real_data_sets.used_splits(args.test_sets,
                                                True).values()
    }
    # Split by case, every type in every split.
    assert {name: len(r) for name, r in rows.items()} == {
        'train.csv': 8 * 24, 'val.csv': 24, 'test.csv': 24,
        'all.csv': 10 * 24}
    for split_rows in rows.values():
        assert sorted({row['label'] for row in split_rows}) == sorted(
            CHROMOSOME_CATEGORIES)


def test_resized_and_rotated_copies_of_the_internal_test_set(tmp_path):
    crop = np.full((6, 4), 255, np.uint8)
    crop[1:5, 1:3] = np.arange(8, dtype=np.uint8).reshape(4, 2)
    src = tmp_path / 'gband612'
    (src / 'a').mkdir(parents=True)
    cv2.imwrite(str(src / 'a' / 'c.tif'), crop)
    rows = [dict(img_path='a/c.tif', label='7', cell_id='c1')]
    write_annotation_csv(str(src / 'test.csv'), rows)

    def written(write_copy, change, name):
        csv = write_copy(str(src), str(src / 'test.csv'), change,
                         str(tmp_path / name))
        [row] = read_annotation_csv(csv)
        assert (row['label'], row['cell_id']) == ('7', 'c1')
        return cv2.imread(str(tmp_path / name / row['img_path']),
                          cv2.IMREAD_UNCHANGED)

    rotated = written(real_data_sets.write_rotated_copy, 90., 'rot90')
    np.testing.assert_array_equal(rotated, np.rot90(crop, k=-1))
    # At 45 degrees the whole crop stays, the corners get its background.
    leaning = written(real_data_sets.write_rotated_copy, 45., 'rot45')
    assert leaning.shape[0] > 6 and leaning.shape[1] > 6
    assert leaning[0, 0] == leaning[-1, -1] == 255
    assert leaning.min() <= 7
    resized = written(real_data_sets.write_rescaled_copy, 2., 'x2')
    assert resized.shape == (12, 8)
    assert real_data_sets.rotated_name(45.) == 'internal_rot45'

    # The benchmark writes them into its work dir and tests them.
    benchmark = make_benchmark(tmp_path, '--rotated', '45', '--test-sets',
                               'internal')
    assert benchmark.test_sets == ['internal', 'internal_rot45']
    np.testing.assert_array_equal(
        cv2.imread(str(tmp_path / 'data' / 'internal_rot45' / 'a' / 'c.png'),
                   cv2.IMREAD_UNCHANGED), leaning)
    assert real_data.parse_args(['--test-sets', 'internal']).rotated == []
    with pytest.raises(SystemExit):
        real_data.parse_args(['--test-sets', 'validation', '--rotated',
                              '45'])


# Cells with all 24 types (qband119: 38 is on 200 x 100 canvases).
GBAND_TRAIN_CELLS = ('97002069.20', '97002085.10')
GBAND_TEST_CELLS = ('97002089.16', '97002105.19')
QBAND_CELLS = ('3', '5', '38')


@pytest.fixture(scope='module')
def real_crops(tmp_path_factory):
    """A few cells of both sets (and all crops of types 1 and 2 of
    gband612), extracted with CSVs as the converters write them."""
    root = tmp_path_factory.mktemp('real')
    members = dict(
        gband612=[
            f'gband612/single_clase/{cell}.tiff/*'
            for cell in GBAND_TRAIN_CELLS + GBAND_TEST_CELLS
        ] + ['gband612/single_clase/*/clase[12]/*'],
        qband119=[
            f'qband119/single_chromosomes/{cell}/*' for cell in QBAND_CELLS
        ])
    converters = {}
    for name, patterns in members.items():
        subprocess.run([
            'tar', 'xzf',
            osp.join(SHARED_DATA, f'{name}.tar.gz'), '-C',
            str(root), '--wildcards', *patterns
        ], check=True)
        converters[name] = load_converter(name)
    rows, _ = converters['gband612'].collect(str(root / 'gband612'))
    for split, cells in (('train', GBAND_TRAIN_CELLS),
                         ('test', GBAND_TEST_CELLS)):
        write_annotation_csv(
            str(root / 'gband612' / f'{split}.csv'),
            [row for row in rows if row['cell_id'] in cells])
    rows, _ = converters['qband119'].collect(str(root / 'qband119'))
    write_annotation_csv(str(root / 'qband119' / 'all.csv'), rows)
    return root


def run_pipeline(pipeline, img_path, **info):
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return Compose(pipeline)(dict(img_path=img_path, **info))


@needs_shared
def test_normalised_gband612_crops_fit_the_input(real_crops):
    """Normalised by their cell's median length, the crops of types 1 and
    2, the longest, fit the input side within a 15 degree rotation, and the
    median crop spans reference_fraction of it."""
    cfg = load('scl/resnet18_gband612.py')
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        dataset = ChromosomeDataset(
            ann_file='test.csv', data_root=str(real_crops / 'gband612'),
            test_mode=True)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    lengths = np.array([measure_crop(imread_grayscale(i['img_path']))[0]
                        for i in infos])
    relative = lengths / np.array([i['ref_length'] for i in infos])
    assert np.median(relative) == pytest.approx(1, abs=0.02)
    longest = relative.max() * cfg.reference_fraction
    assert 0.7 < longest and longest * math.cos(math.radians(15)) < 1


@needs_shared
def test_real_crops_through_the_pipelines(real_crops):
    cfg = load('scl/resnet18_gband612_qband119.py')
    gband = read_annotation_csv(str(real_crops / 'gband612' / 'train.csv'))
    path = str(real_crops / 'gband612' / gband[0]['img_path'])
    results = run_pipeline(cfg.val_dataloader.dataset.pipeline,
                           path, ref_length=100.)
    assert results['data_samples'].scale_factor == (0.4 * 128 / 100, ) * 2
    img = results['inputs'].numpy()[0]
    assert img.shape == (128, 128)
    assert img[0, 0] == img[-1, -1] == 255 and img.min() < 100
    # The corners a rotation uncovers are filled with the background (up
    # to the brightness jitter).
    for seed in range(4):
        np.random.seed(seed)
        results = run_pipeline(
            cfg.train_dataloader.dataset.pipeline, path,
            ref_lengths=dict(cell=100., patient=100., dataset=100.),
            ref_levels=dict(cell='cell', patient='patient', dataset='dataset'))
        img = results['inputs'].numpy()[0]
        assert img.shape == (128, 128)
        corners = {img[0, 0], img[0, -1], img[-1, 0], img[-1, -1]}
        assert len(corners) == 1 and corners.pop() >= 245

    # A Q-band crop centred on a 200 x 100 canvas is cut to its chromosome
    # and scaled by its reference length; inverted, it is dark on white,
    # its darkest band black.
    path = str(real_crops / 'qband119' / 'single_chromosomes' / '38' /
               '38 10a.bmp')
    with Image.open(path) as image:
        assert image.size == (100, 200)
    results = run_pipeline(cfg.test_dataloader.dataset.pipeline, path,
                           ref_length=60.)
    img = results['inputs'].numpy()[0]
    assert img.shape == (128, 128)
    assert results['data_samples'].scale_factor == (0.4 * 128 / 60, ) * 2
    assert img[0, 0] == img[-1, -1] == 255
    assert img.min() < 20


@needs_shared
def test_benchmark_runs_end_to_end(real_crops, tmp_path):
    """Two steps on one crop per type, with a slim ResNet-18:
    tools/train.py and tools/test.py for both configs, then the table."""
    out = tmp_path / 'out'
    result = subprocess.run([
        sys.executable, '-m', 'benchmarks.real_data', '--data-dir',
        str(real_crops), '--work-dir',
        str(tmp_path / 'work'), '--out',
        str(out), '--seeds', '1', '--max-iters', '2', '--input-size', '32',
        '--subset', '1', '--jobs', '2', '--workers', '0', '--cfg-options',
        'model.backbone.base_channels=16', 'model.head.in_channels=128'
    ], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + \
        result.stderr[-3000:]
    with open(out / 'real_data.json') as f:
        report = json.load(f)
    assert report['settings']['input_size'] == 32
    assert report['settings']['max_iters'] == 2
    assert report['settings']['cfg_options'] == [
        'model.backbone.base_channels=16', 'model.head.in_channels=128'
    ]
    assert [(run['method'], run['seed']) for run in report['runs']] == [
        ('baseline', 0), ('scl', 0)
    ]
    for run in report['runs']:
        for test_set in ('internal', 'external'):
            metrics = run[test_set]
            assert 0 <= metrics['accuracy'] <= 100
            assert 0 <= metrics['auc'] <= 100
            assert {f'recall_{t}' for t in CHROMOSOME_CATEGORIES} <= set(
                metrics)
        assert run['train']['seconds'] > 0
    table = (out / 'real_data.md').read_text()
    assert '| Δ SCL − baseline |' in table
    assert 'SUBSET of 1 crops per type' in table
    assert osp.isfile(tmp_path / 'work' / 'scl_seed0' / 'iter_2.pth')


@pytest.mark.parametrize('fresh', [False, True])
def test_tool_run_sets_threads(tmp_path, fresh):
    """Runs side by side get their share of the cores as torch threads,
    forked or in a new interpreter."""
    script = tmp_path / 'threads.py'
    script.write_text('import sys, torch\n'
                      'print(sys.argv[1], torch.get_num_threads())\n')
    log_file = str(tmp_path / 'threads.log')
    run = tool_run.ToolRun(
        str(script), ['threads'], log_file, threads=1, fresh=fresh)
    assert run.wait() == 0
    with open(log_file) as f:
        assert f.read().split() == ['threads', '1']
    args = real_data.parse_args(['--jobs', '2'])
    assert args.threads == max(1, (os.cpu_count() or 1) // 2)


def test_adapted_tests_run_tools_test_with_adapt(tmp_path):
    """--adapt S... tests every test set again with tools/test.py --adapt
    --adapt-shift-scale S, on the same crops."""
    benchmark = make_benchmark(tmp_path, '--test-sets', 'validation',
                               'external', '--adapt', '0', '0.5')
    assert benchmark.test_sets == [
        'validation', 'external', 'validation_adapt0', 'validation_adapt0.5',
        'external_adapt0', 'external_adapt0.5'
    ]
    plain = benchmark.test_argv('scl', 'external', 'ckpt', 'w')
    adapted = benchmark.test_argv('scl', 'external_adapt0.5', 'ckpt', 'w')
    assert adapted == plain[:4] + ['--adapt', '--adapt-shift-scale', '0.5'
                                   ] + plain[4:]
    assert '--adapt' not in plain
    with pytest.raises(SystemExit):
        real_data.parse_args(['--adapt', '-1'])
    with pytest.raises(SystemExit):
        real_data.parse_args(['--report-only', '--test-only'])


def test_report_of_adapted_tests():
    """The adapted tests get a table per test set: accuracy as trained,
    adapted, and the gain paired by seed; the main tables keep only the
    tests as trained."""
    report_module = real_data_report
    methods = report_module.DEFAULT_METHODS
    test_sets = ['external', 'external_adapt0', 'external_adapt0.5']
    results = fake_results(methods, test_sets)
    # SCL gains 2 and 4 points (seeds 0, 1) at shift scale 0.5.
    for seed, gain in ((0, 2.), (1, 4.)):
        results[('scl', seed)]['external_adapt0.5']['accuracy'] = (
            results[('scl', seed)]['external']['accuracy'] + gain)
    report = report_module.format_report(results,
                                         fake_settings(methods, test_sets))
    main, adapted = report.split('\n### ')[:2]
    assert table_rows(main)['Method'] == [
        'External Accuracy', 'External Recall', 'External AUC'
    ]
    assert adapted.startswith('Tested with --adapt')
    table = table_rows(adapted)
    assert table['Method'] == ['External Accuracy',
                               '--adapt-shift-scale 0',
                               '--adapt-shift-scale 0.5']
    # SCL: 91 and 94 as trained, 10 less adapted at 0, 93 and 98 at 0.5.
    assert table['SCL'] == ['92.50 ± 2.12', '82.50 ± 2.12', '95.50 ± 3.54']
    assert table['Δ SCL'] == ['', '-10.00 ± 0.00', '+3.00 ± 1.41']
    assert table['Δ Baseline'] == ['', '-20.00 ± 0.00', '-20.00 ± 0.00']


def test_tta_tests_run_tools_test_with_tta(tmp_path):
    """--tta tests every test set again with tools/test.py --tta, and
    with --adapt both ways; the report has a table of the gain."""
    benchmark = make_benchmark(tmp_path, '--test-sets', 'external',
                               '--tta', '--adapt', '0.5')
    assert benchmark.test_sets == [
        'external', 'external_tta', 'external_adapt0.5',
        'external_tta_adapt0.5'
    ]
    plain = benchmark.test_argv('scl', 'external', 'ckpt', 'w')
    assert benchmark.test_argv('scl', 'external_tta', 'ckpt', 'w') == (
        plain[:4] + ['--tta'] + plain[4:])
    assert benchmark.test_argv('scl', 'external_tta_adapt0.5', 'ckpt',
                               'w') == (plain[:4] + [
                                   '--adapt', '--adapt-shift-scale', '0.5',
                                   '--tta'
                               ] + plain[4:])
    methods = real_data_report.DEFAULT_METHODS
    results = fake_results(methods, benchmark.test_sets)
    for seed, gain in ((0, 1.), (1, 3.)):
        results[('scl', seed)]['external_tta']['accuracy'] = (
            results[('scl', seed)]['external']['accuracy'] + gain)
    report = real_data_report.format_report(
        results, fake_settings(methods, benchmark.test_sets))
    main, averaged, adapted = report.split('\n### ')[:3]
    assert table_rows(main)['Method'][0] == 'External Accuracy'
    assert averaged.startswith('Tested with --tta')
    table = table_rows(averaged)
    assert table['Method'] == ['External Accuracy', '--tta']
    assert table['SCL'] == ['92.50 ± 2.12', '94.50 ± 3.54']
    assert table['Δ SCL'] == ['', '+2.00 ± 1.41']
    assert adapted.startswith('Tested with --adapt')
    assert report.count('--adapt-shift-scale 0.5') == 2


def write_empty_data(data):
    """The data folders of the real sets, with empty training and
    validation CSVs (a benchmark whose runs are faked); returns ``data``."""
    for name, (crops, _) in real_data_sets.DATASETS.items():
        (data / name / crops).mkdir(parents=True)
    (data / 'gband612' / 'train.csv').write_text('img_path,label\n')
    (data / 'gband612' / 'val.csv').write_text('img_path,label\n')
    return data


def write_metrics(test_dir, accuracy):
    """The metrics file a test run of tools/test.py leaves in
    ``test_dir``, every metric at ``accuracy``."""
    run_dir = test_dir / '20260101_000000'
    run_dir.mkdir(parents=True)
    (run_dir / '20260101_000000.json').write_text(json.dumps({
        f'chromosome/{key}': accuracy
        for key in ('accuracy', 'recall', 'auc')
    }))


def write_checkpoint(run_dir, step, whole=True):
    """A torch checkpoint of ``step`` in ``run_dir``, named its last, or
    one cut short (``whole=False``)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    checkpoint = run_dir / f'iter_{step}.pth'
    torch.save(dict(meta=dict(step=step)), checkpoint)
    if not whole:
        checkpoint.write_bytes(checkpoint.read_bytes()[:100])
    (run_dir / 'last_checkpoint').write_text(str(checkpoint))


def fake_tool_runs(monkeypatch, scores=None, failing=()):
    """Replace the benchmark's tool runs by ones that end at their first
    poll, having left what the tool leaves: a training a whole checkpoint
    of step 2, a test its metrics at 93 and, with ``--out``, ``scores``
    (N, 24) of crops labelled 0, 0, 1, 1, ...; a run into a work dir of
    ``failing`` fails, leaving nothing.

    Returns:
        tuple[list, list]: The runs started, (tool, argv) each, and the
        most that were running at once (one item).
    """
    started, most, running = [], [0], set()

    class EndedRun:
        seconds = 1.

        def __init__(self, script, argv, log_file, threads, fresh=False):
            tool = osp.basename(script)
            started.append((tool, argv))
            running.add(self)
            most[0] = max(most[0], len(running))
            work_dir = Path(argv[argv.index('--work-dir') + 1])
            self.failed = work_dir in failing
            if self.failed:
                return
            if tool == 'train.py':
                write_checkpoint(work_dir, 2)
                return
            write_metrics(work_dir, 93.)
            if '--out' in argv:
                mmengine.dump([
                    dict(pred_score=torch.tensor(row),
                         gt_label=torch.tensor([i // 2]))
                    for i, row in enumerate(scores)
                ], argv[argv.index('--out') + 1])

        def poll(self):
            running.discard(self)
            return int(self.failed)

        def check(self):
            if self.failed:
                raise RuntimeError('the tool failed')

        def terminate(self):
            running.discard(self)

    monkeypatch.setattr(real_data, 'ToolRun', EndedRun)
    return started, most


def test_test_only_tests_what_the_trained_runs_lack(tmp_path, monkeypatch):
    """--test-only trains nothing and starts only the tests a trained run
    has no metrics of, from its last checkpoint; an untrained run is left
    out."""
    data, work = write_empty_data(tmp_path / 'data'), tmp_path / 'work'
    trained = work / 'scl_seed0'
    trained.mkdir(parents=True)
    (trained / 'last_checkpoint').write_text(str(trained / 'iter_2.pth'))
    write_metrics(trained / 'test_validation', 90.)
    # A test killed before it wrote metrics is run again.
    (trained / 'test_validation_adapt0.5').mkdir()
    (work / 'scl_seed1').mkdir()  # not trained
    started, _ = fake_tool_runs(monkeypatch)
    real_data.main([
        '--test-only', '--methods', 'scl', '--test-sets', 'validation',
        '--adapt', '0.5', '--seeds', '2', '--data-dir', str(data),
        '--work-dir', str(work)
    ])
    [(tool, argv)] = started
    assert tool == 'test.py' and argv[1] == str(trained / 'iter_2.pth')
    assert argv[argv.index('--work-dir') + 1] == str(
        trained / 'test_validation_adapt0.5')
    with open(work / 'real_data.json') as f:
        runs = json.load(f)['runs']
    assert [(r['seed'], r['validation']['accuracy'],
             r['validation_adapt0.5']['accuracy']) for r in runs] == [
                 (0, 90., 93.)]


def test_continue_trains_only_the_unfinished_runs(tmp_path, monkeypatch):
    """--continue keeps a run with a whole checkpoint of its last step
    (only testing it on the sets it lacks, its training time taken from
    the last report), and trains again one that stopped early, one whose
    last checkpoint was cut short and one not started; a trained run's
    tests go before the next training, --jobs tools at a time."""
    data, work = write_empty_data(tmp_path / 'data'), tmp_path / 'work'
    finished = work / 'scl_seed0'
    write_checkpoint(finished, 2)
    kept = (finished / 'iter_2.pth').read_bytes()
    write_metrics(finished / 'test_validation', 90.)
    write_checkpoint(work / 'scl_seed1', 1)
    write_checkpoint(work / 'scl_seed2', 2, whole=False)
    (work / 'real_data.json').write_text(json.dumps(dict(runs=[
        dict(method='scl', seed=0, train=dict(seconds=1234.5))])))
    started, most = fake_tool_runs(monkeypatch)
    real_data.main([
        '--continue', '--methods', 'scl', '--test-sets', 'validation',
        '--adapt', '0.5', '--seeds', '4', '--max-iters', '2', '--jobs', '2',
        '--data-dir', str(data), '--work-dir', str(work)
    ])
    assert (finished / 'iter_2.pth').read_bytes() == kept
    runs_started = [(tool, Path(argv[argv.index('--work-dir') + 1]))
                    for tool, argv in started]
    seed_dir = {seed: work / f'scl_seed{seed}' for seed in range(4)}
    tests = {seed: [('test.py', seed_dir[seed] / f'test_{t}')
                    for t in ('validation', 'validation_adapt0.5')]
             for seed in range(4)}
    assert sorted(runs_started) == sorted(
        tests[0][1:] + [('train.py', seed_dir[s]) for s in (1, 2, 3)]
        + tests[1] + tests[2] + tests[3])
    order = {run: i for i, run in enumerate(runs_started)}
    for seed in (1, 2, 3):
        assert all(order[('train.py', seed_dir[seed])] < order[test]
                   for test in tests[seed])
    assert all(order[test] < order[('train.py', seed_dir[2])]
               for test in tests[1])
    assert most == [2]
    with open(work / 'real_data.json') as f:
        runs = json.load(f)['runs']
    assert [(r['seed'], r['validation']['accuracy'], r['train'].get('seconds'))
            for r in runs] == [(0, 90., 1234.5), (1, 93., 1.), (2, 93., 1.),
                               (3, 93., 1.)]


def test_balance_types_scores_the_dumped_scores_balanced(tmp_path,
                                                         monkeypatch):
    """--balance-types: every test dumps its scores (--out), and the
    report adds their metrics with the autosomes balanced, no test run
    twice; a test without its dump is run again."""
    data, work = write_empty_data(tmp_path / 'data'), tmp_path / 'work'
    run_dir = work / 'scl_seed0'
    write_checkpoint(run_dir, 2)
    write_metrics(run_dir / 'test_external', 90.)  # tested without a dump
    (data / 'qband119' / 'all.csv').write_text('img_path,label\n')
    # Two crops of each type, sure of it, but type 2's lean to type 1:
    # 46 of 48 right; balanced, type 1's excess goes and all are right.
    scores = np.full((48, 24), 0.1 / 23)
    scores[np.arange(48), np.arange(48) // 2] = 0.9
    scores[2:4, :2] = 0.5, 0.4
    started, _ = fake_tool_runs(monkeypatch, scores)
    argv = [
        '--test-only', '--methods', 'scl', '--test-sets', 'external',
        '--tta', '--balance-types', '--seeds', '1', '--data-dir', str(data),
        '--work-dir', str(work)
    ]
    real_data.main(argv)
    assert [Path(a[a.index('--out') + 1]) for _, a in started] == [
        run_dir / f'test_{t}' / 'scores.pkl'
        for t in ('external', 'external_tta')]
    with open(work / 'real_data.json') as f:
        [run] = json.load(f)['runs']
    balanced = ChromosomeMetric.calculate(
        balance_autosomes(scores), np.arange(48) // 2, per_type=True)
    assert balanced['accuracy'] == 100
    for test_set in ('external', 'external_tta'):
        assert run[test_set]['accuracy'] == 93
        assert run[f'{test_set}_balanced'] == pytest.approx(balanced)
    report = (work / 'real_data.md').read_text()
    section = report.split('### Tested with --balance-types')[1]
    assert table_rows(section)['Δ SCL'] == ['', '+7.00']
    real_data.main(argv)  # all tested: nothing run again
    assert len(started) == 2


def test_training_times_outlive_a_failed_test(tmp_path, monkeypatch):
    """A test that fails part way through a --test-only run leaves a
    report that still holds the training times of the runs it did not
    finish testing; the next run reports them."""
    data, work = write_empty_data(tmp_path / 'data'), tmp_path / 'work'
    for seed in (0, 1):
        write_checkpoint(work / f'scl_seed{seed}', 2)
    (work / 'real_data.json').write_text(json.dumps(dict(runs=[
        dict(method='scl', seed=seed, train=dict(seconds=100. + seed))
        for seed in (0, 1)])))
    argv = ['--test-only', '--methods', 'scl', '--test-sets', 'validation',
            '--seeds', '2', '--data-dir', str(data), '--work-dir', str(work)]
    fake_tool_runs(monkeypatch,
                   failing=[work / 'scl_seed1' / 'test_validation'])
    with pytest.raises(RuntimeError, match='the tool failed'):
        real_data.main(argv)
    with open(work / 'real_data.json') as f:
        report = json.load(f)
    assert [r['seed'] for r in report['runs']] == [0]
    assert report['untested_runs'] == [
        dict(method='scl', seed=1, train=dict(seconds=101.))]
    started, _ = fake_tool_runs(monkeypatch)
    real_data.main(argv)
    assert len(started) == 1
    with open(work / 'real_data.json') as f:
        report = json.load(f)
    assert [(r['seed'], r['train']['seconds']) for r in report['runs']] == [
        (0, 100.), (1, 101.)]
    assert report['untested_runs'] == []


@pytest.mark.parametrize('mode', ['--test-only', '--continue',
                                  '--report-only'])
def test_runs_trained_with_another_config_are_refused(tmp_path, monkeypatch,
                                                      mode):
    """A run of the work dir trained with another config than the one
    given (the config dumped in its folder) is neither kept nor tested:
    the error names the run, both configs and the option."""
    data, work = write_empty_data(tmp_path / 'data'), tmp_path / 'work'
    run_dir = work / 'baseline_seed0'
    write_checkpoint(run_dir, 2)
    write_metrics(run_dir / 'test_validation', 90.)
    (run_dir / 'resnet18_gband612.py').write_text('')
    started, _ = fake_tool_runs(monkeypatch)
    argv = ['--methods', 'baseline', '--test-sets', 'validation', '--seeds',
            '1', '--max-iters', '2', '--data-dir', str(data), '--work-dir',
            str(work)]
    paired = osp.join(CONFIGS, 'baseline', 'resnet18_gband612_paired.py')
    with pytest.raises(ValueError) as error:
        real_data.main([mode, '--baseline-config', paired] + argv)
    assert str(error.value) == (
        f'{run_dir} was trained with resnet18_gband612.py, not '
        'resnet18_gband612_paired.py (--baseline-config): give that config, '
        'or another --work-dir.')
    assert started == []
    real_data.main([mode] + argv)  # the config it was trained with


def test_report_of_composed_variants():
    """Every test set name composes as the set, then _tta, _adaptS and
    _balanced: each balanced name gets its table beside the name it is
    the balanced scores of, and no other section takes it."""
    test_sets = ['internal', 'internal_x0.7', 'validation_adapt0.5',
                 'external_tta', 'external_tta_adapt2']
    test_sets = ['validation', 'external'] + test_sets + [
        f'{t}_balanced' for t in test_sets]
    methods = real_data_report.DEFAULT_METHODS
    report = real_data_report.format_report(
        fake_results(methods, test_sets), fake_settings(methods, test_sets))
    sections = {s.split('\n')[0]: s for s in report.split('\n### ')[1:]}
    balanced = sections['Tested with --balance-types (the autosomes '
                        "balanced over the test set, from the same test's "
                        'scores)']
    assert [line.split(' | ')[1] for line in balanced.splitlines()
            if line.startswith('| Method')] == [
                'Internal Accuracy', 'Internal x0.7 Accuracy',
                'External tta Accuracy', 'Validation adapt0.5 Accuracy',
                'External tta adapt2 Accuracy']
    assert 'balanced' not in ''.join(
        text for title, text in sections.items()
        if not title.startswith('Tested with --balance-types'))


def test_continue_is_one_of_the_modes():
    with pytest.raises(SystemExit):
        real_data.parse_args(['--continue', '--test-only'])


def test_pipeline_throughput_times_the_shipped_training_pipeline(
        tmp_path, capsys):
    """benchmarks/pipeline_throughput.py times the training pipeline of
    the shipped gband612 config, transform by transform, on data infos
    with the reference lengths its dataset measures."""
    write_tiny_chromosome_set(str(tmp_path), per_type=2, splits=('train', ))
    config = osp.join(CONFIGS, 'scl', 'resnet18_gband612.py')
    dataset = pipeline_throughput.build_train_dataset(config, str(tmp_path),
                                                      input_size=32)
    shipped = [t['type'] for t in load(
        'scl/resnet18_gband612.py').train_dataloader.dataset.pipeline]
    assert [type(t).__name__ for t in dataset.pipeline.transforms] == shipped
    assert {'NormalizeStain', 'Letterbox'} <= set(shipped)
    assert {'cell', 'dataset'} <= set(dataset.get_data_info(0)['ref_lengths'])
    cpu, wall, per_transform = pipeline_throughput.time_pipeline(
        dataset, [0, 47])
    assert len(per_transform) == len(shipped)
    assert 0 < per_transform.sum() <= cpu and wall > 0
    # run(), not main(), which sets this process's threads to one.
    pipeline_throughput.run(str(tmp_path), pipeline_throughput.parse_args(
        [str(tmp_path), '--input-size', '32', '--num-images', '5']))
    out = capsys.readouterr().out
    assert '48 crops of' in out
    assert '  NormalizeStain ' in out and '  Letterbox ' in out
    assert 'images per CPU second (per core)' in out


def test_reference_spread_of_hand_made_references():
    """benchmarks.reference_spread: log-ratios of each level's reference
    over a coarser one's, only for the levels the annotation has."""
    from benchmarks.reference_spread import level_spreads

    def info(cell, patient, refs):
        return dict(cell_id=cell, patient_id=patient,
                    ref_lengths=dict(zip(('cell', 'patient', 'dataset'),
                                         refs)))

    # Ten crops: cells at e^0.1 and e^-0.1 times their patient, patients at
    # the dataset's reference.
    infos = ([info('a', 'p', (100 * math.exp(0.1), 100., 100.))] * 5 +
             [info('b', 'p', (100 * math.exp(-0.1), 100., 100.))] * 5)
    spreads = level_spreads(infos)
    assert set(spreads) == {('cell', 'patient'), ('cell', 'dataset')}
    p10, p90, std, n = spreads[('cell', 'patient')]
    assert (round(p10, 6), round(p90, 6), round(std, 6), n) == (
        -0.1, 0.1, 0.1, 10)
    # Without patient ids the patient level is the dataset's: not listed.
    no_patients = [dict(i, patient_id=None) for i in infos]
    assert set(level_spreads(no_patients)) == {('cell', 'dataset')}


def test_a_failed_tool_lets_the_running_ones_finish(tmp_path, monkeypatch):
    """A tool that fails stops the benchmark from starting more, but the
    tools already running (here a training) are let finish, not killed:
    --continue then starts from them."""
    data, work = write_empty_data(tmp_path / 'data'), tmp_path / 'work'
    events = []

    class SlowRun:
        seconds = 1.

        def __init__(self, script, argv, log_file, threads, fresh=False):
            self.work_dir = Path(argv[argv.index('--work-dir') + 1])
            self.failed = self.work_dir.name == 'scl_seed0'
            # seed 0 fails at its first poll, seed 1 ends at its third.
            self.polls_left = 0 if self.failed else 2
            events.append(('start', self.work_dir.name))

        def poll(self):
            if self.polls_left:
                self.polls_left -= 1
                return None
            if not self.failed and not (self.work_dir /
                                        'last_checkpoint').exists():
                write_checkpoint(self.work_dir, 2)
                events.append(('end', self.work_dir.name))
            return int(self.failed)

        def check(self):
            if self.failed:
                raise RuntimeError('the tool failed')

        def terminate(self):
            events.append(('terminate', self.work_dir.name))

    monkeypatch.setattr(real_data, 'ToolRun', SlowRun)
    monkeypatch.setattr(real_data.time, 'sleep', lambda seconds: None)
    with pytest.raises(RuntimeError, match='the tool failed'):
        real_data.main([
            '--methods', 'scl', '--test-sets', 'validation', '--seeds', '3',
            '--jobs', '2', '--max-iters', '2', '--data-dir', str(data),
            '--work-dir', str(work)])
    # Seed 1 trained to its end; neither seed 2 nor any test started.
    assert events == [('start', 'scl_seed0'), ('start', 'scl_seed1'),
                      ('end', 'scl_seed1')]
    assert (work / 'scl_seed1' / 'last_checkpoint').exists()
