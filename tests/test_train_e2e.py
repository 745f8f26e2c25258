"""tools/train.py and tools/test.py end to end on a tiny dataset."""
import glob
import json
import os.path as osp
import subprocess
import sys
from unittest import mock

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from conftest import REPO_ROOT, load_tool, write_tiny_config

def run_tool(tool, *args):
    result = subprocess.run(
        [sys.executable, osp.join(REPO_ROOT, 'tools', tool), *args],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + \
        result.stderr[-3000:]
    return result.stdout + result.stderr


def scalars(work_dir):
    [path] = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    with open(path) as f:
        return [json.loads(line) for line in f]


@pytest.fixture
def tiny_config(tmp_path, tiny_chromosome_dir):
    return write_tiny_config(tmp_path / 'tiny_scl.py', tiny_chromosome_dir)


def test_train_resume_and_test(tmp_path, tiny_config):
    work_dir = str(tmp_path / 'work')
    run_tool('train.py', tiny_config, '--work-dir', work_dir)
    assert osp.isfile(osp.join(work_dir, 'iter_4.pth'))
    train_logs = [r for r in scalars(work_dir) if 'loss_con' in r]
    assert [r['iter'] for r in train_logs] == [1, 2, 3, 4]
    assert all(r['logit_scale'] > 0 for r in train_logs)
    [val] = [r for r in scalars(work_dir) if 'chromosome/auc' in r][-1:]
    assert 0 <= val['chromosome/accuracy'] <= 100

    out = run_tool('train.py', tiny_config, '--work-dir', work_dir,
                   '--resume', '--cfg-options', 'train_cfg.max_iters=6')
    assert 'resumed epoch' in out or 'Auto resumed' in out
    assert osp.isfile(osp.join(work_dir, 'iter_6.pth'))

    test_dir = str(tmp_path / 'test')
    out = run_tool('test.py', tiny_config,
                   osp.join(work_dir, 'iter_6.pth'), '--work-dir', test_dir,
                   '--out', str(tmp_path / 'preds.pkl'))
    [metrics_file] = glob.glob(osp.join(test_dir, '*', '*.json'))
    with open(metrics_file) as f:
        metrics = json.load(f)
    for key in ('accuracy', 'recall', 'auc', 'recall_Y'):
        assert 0 <= metrics[f'chromosome/{key}'] <= 100
    assert osp.isfile(tmp_path / 'preds.pkl')


def test_auto_scale_lr_needs_the_paired_batch_size(tiny_config):
    train_tool = load_tool('train')
    with mock.patch.object(sys, 'argv',
                           ['train.py', tiny_config, '--auto-scale-lr']):
        args = train_tool.parse_args()
    with pytest.raises(ValueError, match='batch_size=48'):
        train_tool.merge_args(Config.fromfile(tiny_config), args)
    args.cfg_options = {'train_dataloader.batch_size': 48}
    cfg = train_tool.merge_args(Config.fromfile(tiny_config), args)
    assert cfg.auto_scale_lr.enable and cfg.train_dataloader.batch_size == 48


def test_max_iters_rescales_the_schedule(tiny_config):
    """--max-iters after the options: the warm-up follows the length."""
    train_tool = load_tool('train')
    with mock.patch.object(sys, 'argv', [
            'train.py', tiny_config, '--max-iters', '20', '--cfg-options',
            'custom_hooks.0.warmup_iters=1'
    ]):
        args = train_tool.parse_args()
    cfg = train_tool.merge_args(Config.fromfile(tiny_config), args)
    assert cfg.train_cfg.max_iters == 20 and cfg.train_cfg.val_interval == 10
    assert cfg.custom_hooks[0].warmup_iters == 5


def test_wrong_batch_size_fails_at_start_up(tmp_path, tiny_config):
    # No hook needed: the batch sampler itself refuses the batch size.
    cfg = Config.fromfile(tiny_config)
    cfg.work_dir = str(tmp_path / 'bad')
    cfg.custom_hooks = []
    cfg.train_dataloader.batch_size = 32
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError, match='batch_size is 32.*yields batches '
                       'of 48'):
        runner.train()
    assert not glob.glob(osp.join(cfg.work_dir, '*.pth'))
