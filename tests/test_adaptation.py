"""Test-time adaptation of the BatchNorm statistics (tools/test.py --adapt,
tools/karyotype.py --adapt)."""
import csv
import hashlib
import json
import glob
import os.path as osp
import subprocess
import sys
from unittest import mock

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS
from torch import nn

from mmscl.engine.adaptation import (DEFAULT_SHIFT_SCALE, adapt_batchnorm,
                                     batchnorm_layers, gaussian_divergence)
from mmscl.engine.hooks import AdaptBatchNormHook

from conftest import REPO_ROOT, load_tool, warnings_logged, write_tiny_config


@pytest.fixture
def tiny_model(tmp_path, tiny_chromosome_dir):
    init_default_scope('mmpretrain')
    config = write_tiny_config(tmp_path / 'tiny.py', tiny_chromosome_dir)
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(config).model).eval()
    # Source statistics unlike the target's, as a trained model has.
    for _, layer in batchnorm_layers(model):
        layer.running_mean.uniform_(-1, 1)
        layer.running_var.uniform_(0.5, 2)
    return model, config


def target_batches(num=2, seed=1):
    generator = torch.Generator().manual_seed(seed)
    return [
        dict(inputs=torch.randint(0, 256, (6, 1, 32, 32), generator=generator,
                                  dtype=torch.uint8), data_samples=None)
        for _ in range(num)
    ]


def first_layer_statistics(model, batches):
    """conv1's per-channel mean and unbiased variance over all crops of the
    batches, as the first BatchNorm sees them."""
    with torch.no_grad():
        out = torch.cat([
            model.backbone.conv1(
                model.data_preprocessor(batch, False)['inputs'])
            for batch in batches
        ])
    values = out.transpose(0, 1).flatten(1)
    return values.mean(1), values.var(1)


def test_adapt_changes_batchnorm_statistics_and_nothing_else(tiny_model):
    model, _ = tiny_model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    batches = target_batches()
    mean_t, var_t = first_layer_statistics(model, batches)
    shift_scale = 0.5
    shifts = adapt_batchnorm(model, batches, shift_scale, progress=False)

    bn1 = model.backbone.bn1
    mean_s, var_s = before['backbone.bn1.running_mean'], before[
        'backbone.bn1.running_var']
    divergence = gaussian_divergence(mean_t, var_t, mean_s, var_s).mean()
    weight = divergence / (divergence + shift_scale)
    assert shifts[0].name == 'backbone.bn1'
    assert shifts[0].divergence == pytest.approx(divergence.item(), rel=1e-4)
    assert shifts[0].weight == pytest.approx(weight.item(), rel=1e-4)
    torch.testing.assert_close(bn1.running_mean,
                               torch.lerp(mean_s, mean_t, weight),
                               rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(bn1.running_var,
                               torch.lerp(var_s, var_t, weight),
                               rtol=1e-4, atol=1e-5)
    changed = {k for k, v in model.state_dict().items()
               if not torch.equal(v, before[k])}
    assert changed == {f'{name}.running_{stat}'
                       for name, _ in batchnorm_layers(model)
                       for stat in ('mean', 'var')}
    assert not model.training and bn1.momentum == 0.1

    # shift_scale 0: the target statistics alone (plain AdaBN).
    model.load_state_dict(before)
    adapt_batchnorm(model, batches, 0, progress=False)
    torch.testing.assert_close(bn1.running_mean, mean_t, rtol=1e-4,
                               atol=1e-5)
    # A layer that does not shift keeps its statistics.
    model.load_state_dict(before)
    bn1.running_mean.copy_(mean_t)
    bn1.running_var.copy_(var_t)
    adapt_batchnorm(model, batches, 0.5, progress=False)
    torch.testing.assert_close(bn1.running_mean, mean_t, rtol=1e-4,
                               atol=1e-5)


def test_adapt_weighs_every_crop_the_same_whatever_the_batches(tiny_model):
    model, _ = tiny_model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    crops = target_batches(1)[0]['inputs']
    # Batches of 2 and 4 crops: a mean of the batches' statistics would
    # weigh the 2 crops as much as the 4, and miss how their means differ.
    split = [dict(inputs=crops[:2], data_samples=None),
             dict(inputs=crops[2:], data_samples=None)]
    whole = [dict(inputs=crops, data_samples=None)]
    mean_t, var_t = first_layer_statistics(model, whole)
    by_batch = first_layer_statistics(model, split[:1])[0] / 2 + \
        first_layer_statistics(model, split[1:])[0] / 2
    assert not torch.allclose(by_batch, mean_t, rtol=1e-3, atol=1e-4)
    adapt_batchnorm(model, split, 0, progress=False)
    torch.testing.assert_close(model.backbone.bn1.running_mean, mean_t,
                               rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(model.backbone.bn1.running_var, var_t,
                               rtol=1e-5, atol=1e-6)
    # The second layer's inputs pass through the first: its statistics are
    # measured as at test (pass 2), with the first's exact ones, so they
    # too are those of one batch of all crops. Pass 1 alone (AdaBN) would
    # give each split batch its own normalisation there.
    second = batchnorm_layers(model)[1][1]
    split_stats = second.running_mean.clone(), second.running_var.clone()
    model.load_state_dict(before)
    adapt_batchnorm(model, whole, 0, progress=False)
    torch.testing.assert_close(split_stats,
                               (second.running_mean, second.running_var),
                               rtol=1e-5, atol=1e-6)
    model.load_state_dict(before)


def test_adapt_refuses_batches_it_can_pass_over_once(tiny_model):
    model, _ = tiny_model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(TypeError, match='iterable twice .* got the one-pass '
                       'list_iterator'):
        adapt_batchnorm(model, iter(target_batches()), progress=False)
    assert all(torch.equal(v, before[k])
               for k, v in model.state_dict().items())


def test_adapt_restores_the_model_when_a_batch_fails(tiny_model):
    model, _ = tiny_model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    batches = target_batches(1) + [dict(inputs=torch.zeros(2, 3, 9, 9,
                                                           dtype=torch.uint8),
                                        data_samples=None)]
    with pytest.raises(RuntimeError):
        adapt_batchnorm(model, batches, progress=False)
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key
    assert model.backbone.bn1.momentum == 0.1


def test_model_without_batchnorm_is_left_as_is():
    model = nn.Sequential(nn.Linear(3, 3), nn.LayerNorm(3))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with warnings_logged() as warnings:
        assert adapt_batchnorm(model, target_batches(), progress=False) == []
    assert any('no BatchNorm layer' in w for w in warnings)
    assert all(torch.equal(v, before[k])
               for k, v in model.state_dict().items())


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def run_test_tool(*args):
    return subprocess.run(
        [sys.executable, osp.join(REPO_ROOT, 'tools', 'test.py'), *args],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)


def test_test_tool_adapts_without_changing_the_checkpoint(tiny_model,
                                                          tmp_path):
    model, config = tiny_model
    checkpoint = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoint)
    digest = sha256(checkpoint)
    adapted = str(tmp_path / 'adapted.pth')
    result = run_test_tool(config, checkpoint, '--work-dir',
                           str(tmp_path / 'test'), '--adapt',
                           '--save-adapted', adapted)
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'BatchNorm layers re-estimated' in result.stdout + result.stderr
    assert sha256(checkpoint) == digest
    state = torch.load(adapted, weights_only=True)['state_dict']
    source = model.state_dict()
    assert not torch.equal(state['backbone.bn1.running_mean'],
                           source['backbone.bn1.running_mean'])
    assert torch.equal(state['backbone.conv1.weight'],
                       source['backbone.conv1.weight'])
    [metrics] = glob.glob(str(tmp_path / 'test' / '*' / '*.json'))
    with open(metrics) as f:
        assert 'chromosome/accuracy' in json.load(f)

    # The adapted file is never written over; --save-adapted needs --adapt.
    for extra in (['--adapt', '--save-adapted', adapted],
                  ['--save-adapted', str(tmp_path / 'new.pth')]):
        result = run_test_tool(config, checkpoint, *extra)
        assert result.returncode == 2
        assert ('exists' if '--adapt' in extra else 'give --adapt too') in \
            result.stderr


def test_karyotype_tool_adapts_on_a_csv_without_labels(
        tiny_model, tmp_path, tiny_chromosome_dir):
    import runpy
    model, config = tiny_model
    checkpoint = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoint)
    with open(osp.join(tiny_chromosome_dir, 'test.csv')) as f:
        rows = list(csv.DictReader(f))
    unlabelled = osp.join(tiny_chromosome_dir, 'cells.csv')
    with open(unlabelled, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['img_path', 'cell_id'])
        writer.writerows([r['img_path'], 'c0'] for r in rows)
    digest = sha256(checkpoint)
    tool = runpy.run_path(osp.join(REPO_ROOT, 'tools', 'karyotype.py'))
    adapted = str(tmp_path / 'adapted.pth')
    tool['main']([config, checkpoint, unlabelled, '--out',
                  str(tmp_path / 'out'), '--adapt', '--save-adapted',
                  adapted])
    assert sha256(checkpoint) == digest
    state = torch.load(adapted, weights_only=True)['state_dict']
    assert not torch.equal(state['backbone.bn1.running_mean'],
                           model.state_dict()['backbone.bn1.running_mean'])
    with open(tmp_path / 'out' / 'crops.csv') as f:
        assert len(list(csv.DictReader(f))) == len(rows)


def parse_tool_args(tool, *argv):
    """``parse_args`` of ``tools/<tool>.py`` on the command line ``argv``."""
    module = load_tool(tool)
    with mock.patch.object(sys, 'argv', [f'{tool}.py', *argv]):
        return module.parse_args()


@pytest.mark.parametrize('tool', ['test', 'karyotype'])
def test_adapt_settings_are_checked_before_any_work(tool, tmp_path, capsys):
    leading = (['cfg.py', 'model.pth'] if tool == 'test' else
               ['cfg.py', 'model.pth', 'crops.csv', '--out',
                str(tmp_path / 'out')])
    existing = tmp_path / 'adapted.pth'
    existing.write_bytes(b'')
    for argv, error in (
            (['--adapt', '--adapt-shift-scale', '-0.5'], 'at least 0'),
            (['--adapt', '--adapt-shift-scale', 'nan'], 'at least 0'),
            (['--adapt-shift-scale', '0'], 'give --adapt too'),
            (['--save-adapted', str(tmp_path / 'new.pth')],
             'give --adapt too'),
            (['--adapt', '--save-adapted', str(existing)], 'exists'),
            (['--adapt', '--save-adapted', str(existing / 'new.pth')],
             'is a file')):
        with pytest.raises(SystemExit) as exit_info:
            parse_tool_args(tool, *leading, *argv)
        assert exit_info.value.code == 2
        assert error in capsys.readouterr().err, argv
    args = parse_tool_args(tool, *leading, '--adapt')
    assert args.adapt_shift_scale == DEFAULT_SHIFT_SCALE
    args = parse_tool_args(tool, *leading, '--adapt', '--adapt-shift-scale',
                           '0')
    assert args.adapt_shift_scale == 0


def test_output_files_are_checked_before_any_work(tmp_path, capsys):
    a_file = tmp_path / 'scores.pkl'
    a_file.write_bytes(b'kept')
    for tool, argv, error in (
            ('test', ['--out', str(a_file)], 'exists'),
            ('test', ['--out', str(a_file / 'new.pkl')], 'is a file'),
            ('test', ['--out', str(tmp_path / 'new.txt')], '.pkl file'),
            ('test', ['--adapt', '--out', str(tmp_path / 'same.pkl'),
                      '--save-adapted', str(tmp_path / 'same.pkl')],
             'the same file'),
            ('karyotype', ['crops.csv', '--out', str(a_file)], 'is a file'),
            ('karyotype', ['crops.csv', '--out', str(tmp_path / 'out'),
                           '--batch-size', '0'], 'at least 1'),
            ('karyotype', ['crops.csv', '--out', str(tmp_path / 'out'),
                           '--confidence', '1.5'], 'from 0 to 1')):
        with pytest.raises(SystemExit):
            parse_tool_args(tool, 'cfg.py', 'model.pth', *argv)
        assert error in capsys.readouterr().err, (tool, argv)
    assert a_file.read_bytes() == b'kept'
    args = parse_tool_args('test', 'cfg.py', 'model.pth', '--out',
                           str(tmp_path / 'new' / 'scores.pkl'))
    assert args.out == str(tmp_path / 'new' / 'scores.pkl')


def test_a_shift_scale_below_0_is_refused_by_the_library(tiny_model):
    model, _ = tiny_model
    with pytest.raises(ValueError, match='at least 0'):
        adapt_batchnorm(model, [], shift_scale=-1e-5)
    with pytest.raises(ValueError, match='at least 0'):
        AdaptBatchNormHook(shift_scale=float('inf'))


def test_a_batch_of_one_crop_is_left_out_of_the_statistics(tiny_model):
    model, _ = tiny_model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    batches = target_batches()
    adapt_batchnorm(model, batches, 0, progress=False)
    adapted = {k: v.clone() for k, v in model.state_dict().items()}
    # The same two batches and a last batch of one crop (32 px: the last
    # maps are 1x1, one value per channel, which BatchNorm cannot take).
    lone = dict(inputs=batches[0]['inputs'][:1], data_samples=None)
    model.load_state_dict(before)
    with warnings_logged() as warnings:
        adapt_batchnorm(model, batches + [lone], 0, progress=False)
    assert warnings == [
        'adapt_batchnorm: 1 batch(es) of one crop left out of the statistics '
        '(a crop alone is normalised by itself).']
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, adapted[key], rtol=0, atol=0)
    model.load_state_dict(before)
    with pytest.raises(ValueError, match='no batch of 2 crops or more'):
        adapt_batchnorm(model, [lone], 0, progress=False)
    assert all(torch.equal(v, before[k])
               for k, v in model.state_dict().items())


def test_adapt_runs_without_autograd(tiny_model):
    model, _ = tiny_model
    grad_modes = []
    model.backbone.bn1.register_forward_hook(
        lambda *_: grad_modes.append(torch.is_grad_enabled()))
    adapt_batchnorm(model, target_batches(), progress=False)
    assert grad_modes == [False] * 4  # two passes of two batches
