"""The dataset bases: what every dataset of crops shares is set once, in
configs/_base_/datasets/chromosome_crops.py, and each dataset file sets
only its data, input size and pipelines."""
import ast
import copy
import os.path as osp

import pytest
from mmengine.config import Config

import mmscl  # noqa: F401
from conftest import CONFIGS

DATASETS = osp.join(CONFIGS, '_base_', 'datasets')
DATASET_FILES = ('gband612', 'ogh', 'synthetic')
# Set by chromosome_crops.py alone.
SHARED_TOP_LEVEL = {'data_preprocessor', 'reference_fraction',
                    'val_evaluator'}
SHARED_LOADER_KEYS = {'batch_size', 'batch_sampler', 'test_mode', 'type'}


def _assignments(path):
    """Top-level ``name = value`` nodes of a config file."""
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read())
    return {node.targets[0].id: node.value for node in tree.body
            if isinstance(node, ast.Assign)}


def _keywords(call):
    """Keyword names of a ``dict(...)`` call and of the dicts inside it."""
    names = set()
    for node in ast.walk(call):
        if isinstance(node, ast.Call):
            names |= {k.arg for k in node.keywords if k.arg}
    return names


@pytest.mark.parametrize('name', DATASET_FILES)
def test_dataset_files_set_only_what_differs(name):
    assignments = _assignments(osp.join(DATASETS, f'{name}.py'))
    assert ast.literal_eval(assignments['_base_']) == [
        './chromosome_crops.py']
    assert not SHARED_TOP_LEVEL & set(assignments)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert not SHARED_LOADER_KEYS & _keywords(assignments[loader]), (
            name, loader)
    # The test loader is the validation loader on another file.
    test_loader = assignments['test_dataloader']
    assert ast.unparse(test_loader.args[0]) == 'val_dataloader'


def test_the_base_defines_the_test_loader_by_the_validation_loader():
    assignments = _assignments(osp.join(DATASETS, 'chromosome_crops.py'))
    assert ast.unparse(assignments['test_dataloader']) == 'val_dataloader'


@pytest.mark.parametrize('name, data_root, suffix, num_workers', [
    ('gband612', 'data/gband612/', 'csv', 4),
    ('ogh', 'data/ogh/', 'json', 8),
    ('synthetic', 'data/synthetic/internal', 'csv', 2),
])
def test_val_and_test_loaders_differ_only_in_the_annotation_file(
        name, data_root, suffix, num_workers):
    cfg = Config.fromfile(osp.join(DATASETS, f'{name}.py'))
    val, test = (copy.deepcopy(cfg[k].to_dict())
                 for k in ('val_dataloader', 'test_dataloader'))
    assert val['dataset'].pop('ann_file') == f'val.{suffix}'
    assert test['dataset'].pop('ann_file') == f'test.{suffix}'
    assert val == test
    assert val['batch_size'] == 128 and val['num_workers'] == num_workers
    assert val['sampler'] == dict(type='DefaultSampler', shuffle=False)
    assert val['dataset']['data_root'] == data_root
    assert val['dataset']['test_mode'] is True
    assert val['dataset']['pipeline'] == cfg.test_pipeline
    assert cfg.train_dataloader.dataset.pipeline == cfg.train_pipeline
    assert cfg.train_dataloader.batch_size is None
    assert cfg.train_dataloader.num_workers == num_workers
    # The loaders are separate dicts: changing one leaves the other.
    cfg.val_dataloader.dataset.ann_file = 'other.csv'
    assert cfg.test_dataloader.dataset.ann_file == f'test.{suffix}'


def test_each_dataset_keeps_its_test_metrics():
    metrics = {name: Config.fromfile(
        osp.join(DATASETS, f'{name}.py')).test_evaluator
        for name in DATASET_FILES}
    karyotype = [dict(type='ChromosomeMetric', per_type=True),
                 dict(type='KaryotypeMetric')]
    assert metrics['gband612'] == metrics['synthetic'] == karyotype
    assert metrics['ogh'] == dict(type='ChromosomeMetric', per_type=True)
