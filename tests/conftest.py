import csv
import importlib.util
import logging
import os
import os.path as osp
import sys
import time
from unittest import mock

import cv2
import numpy as np
import pytest
from mmengine.logging import MMLogger

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(REPO_ROOT, 'configs')
SHARED_DATA = osp.join(REPO_ROOT, '..', 'shared', 'data')

sys.path.insert(0, osp.dirname(__file__))
# benchmarks.lab_shift_transforms, as the benchmark configs import it.
sys.path.insert(0, REPO_ROOT)


class info_logged:
    """Collect the messages of ``level`` (info) or above that the current
    MMLogger emits."""
    level = logging.INFO

    def __enter__(self):
        self.records = []
        self.logger = MMLogger.get_current_instance()
        self.handler = logging.Handler(level=self.level)
        self.handler.emit = lambda record: self.records.append(
            record.getMessage())
        self.logger.addHandler(self.handler)
        return self.records

    def __exit__(self, *exc):
        self.logger.removeHandler(self.handler)


class warnings_logged(info_logged):
    """Collect the warning messages the current MMLogger emits."""
    level = logging.WARNING


def load_tool(name):
    """The module of ``tools/<name>.py``, loaded from its file.

    Args:
        name (str): The tool, relative to ``tools/``, without ``.py``.

    Returns:
        module: The tool's module (its ``main`` not run).
    """
    path = osp.join(REPO_ROOT, 'tools', f'{name}.py')
    spec = importlib.util.spec_from_file_location(
        'tool_' + name.replace('/', '_'), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool_main(name, *argv):
    """Run the ``main()`` of ``tools/<name>.py`` on the command line
    ``argv``, as ``python tools/<name>.py ARGV`` would.

    Args:
        name (str): The tool, relative to ``tools/``, without ``.py``.
        *argv (str): Its arguments.
    """
    # MMEngine names a run, its log folder and its logger by the second it
    # starts in, and hands a second run of the same second the first's
    # logger: two runs in one test (a run, then its --resume) must not
    # start in the same second.
    while int(time.time()) == run_tool_main.last_start_second:
        time.sleep(0.05)
    run_tool_main.last_start_second = int(time.time())
    tool = load_tool(name)
    with mock.patch.object(sys, 'argv', [f'{name}.py', *argv]):
        tool.main()


run_tool_main.last_start_second = None


def load_converter(name):
    """The module of ``tools/dataset_converters/<name>.py``."""
    return load_tool(f'dataset_converters/{name}')


def without(cfg, *keys):
    """The config as a dict, without some top-level keys.

    Args:
        cfg (Config): The config.
        *keys (str): The top-level keys to leave out.

    Returns:
        dict: The rest of the config.
    """
    return {k: v for k, v in cfg.to_dict().items() if k not in keys}


def assert_baseline_of(scl, baseline):
    """Assert that ``baseline`` is the ``scl`` config but for the
    contrastive loss (none) and the batches (48 shuffled crops instead of
    the paired ones). Both configs are changed.

    Args:
        scl (Config): The SCL config.
        baseline (Config): Its baseline config.
    """
    assert baseline.model.head.contrastive_loss is None
    assert baseline.train_dataloader.sampler == dict(
        type='DefaultSampler', shuffle=True)
    assert baseline.train_dataloader.batch_size == 48
    for cfg in (scl, baseline):
        cfg.model.head.contrastive_loss = None
        cfg.train_dataloader.sampler = None
        cfg.train_dataloader.batch_sampler = None
        cfg.train_dataloader.batch_size = None
    assert without(baseline) == without(scl)


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


@pytest.fixture(autouse=True)
def environment_restored():
    """Every test starts with the environment the session started with:
    a tool run in the test process sets variables (``LOCAL_RANK``) that
    would otherwise reach the tests after it."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def tiny_chromosome_dir(tmp_path):
    return write_tiny_chromosome_set(str(tmp_path))


# A tiny SCL config (ResNet-18 on 32 px, 4 steps, validation every 2) over
# a tiny set written by write_tiny_chromosome_set.
TINY_CONFIG = """
_base_ = [
    '{configs}/_base_/datasets/ogh.py',
    '{configs}/_base_/schedules/adam_400k.py',
    '{configs}/_base_/default_runtime.py',
]
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, in_channels=1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='SCLHead', num_classes=24, in_channels=512,
              embed_dim=64, hidden_channels=64))
train_pipeline = [
    dict(type='LoadChromosomeImage'),
    dict(type='Letterbox', canvas_size=48, scale=32),
    dict(type='RandomRotate', prob=1.0, angle=180.),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(type='RandomContrastGamma', prob=0.8),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadChromosomeImage'),
    dict(type='Letterbox', canvas_size=48, scale=32),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    num_workers=0,
    sampler=dict(steps_per_epoch=2),
    dataset=dict(data_root='{data}', ann_file='train.csv',
                 pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0, batch_size=16,
    dataset=dict(data_root='{data}', ann_file='val.csv',
                 pipeline=test_pipeline))
test_dataloader = dict(
    num_workers=0, batch_size=16,
    dataset=dict(data_root='{data}', ann_file='test.csv',
                 pipeline=test_pipeline))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
train_cfg = dict(max_iters=4, val_interval=2)
default_hooks = dict(checkpoint=dict(interval=2), logger=dict(interval=1))
custom_hooks = [
    dict(type='CEWarmupHook', warmup_iters=2),
]
"""


def write_csv_without_ids(data_dir):
    """The test.csv of a tiny set (:func:`write_tiny_chromosome_set`)
    without its ids, written as ``no_ids.csv`` beside it; returns its
    path."""
    no_ids = osp.join(data_dir, 'no_ids.csv')
    with open(osp.join(data_dir, 'test.csv')) as f:
        rows = list(csv.DictReader(f))
    with open(no_ids, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['img_path', 'label'])
        writer.writerows([r['img_path'], r['label']] for r in rows)
    return no_ids


def write_tiny_config(path, data_root):
    """Write TINY_CONFIG over ``data_root`` to ``path``; return the path."""
    path = str(path)
    with open(path, 'w') as f:
        f.write(TINY_CONFIG.format(configs=CONFIGS, data=data_root))
    return path


def write_untrained_synthetic_model(root, num_cells):
    """Under ``root``: ``num_cells`` synthetic test cells, the tiny config
    over them (:func:`write_tiny_config`) and an untrained checkpoint of its
    model.

    Returns:
        dict: ``data`` (the synthetic folder), ``config``, ``checkpoint``
        and ``tensors`` (how many the model's state dict holds).
    """
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    from mmscl.datasets.synthetic import generate_synthetic_dataset
    data = str(root / 'synthetic')
    generate_synthetic_dataset(data, num_cells=num_cells, seed=0,
                               progress=False, splits=(0, 0, 1))
    config = write_tiny_config(root / 'tiny.py', data)
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(config).model)
    checkpoint = str(root / 'tiny.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoint)
    return dict(data=data, config=config, checkpoint=checkpoint,
                tensors=len(model.state_dict()))
