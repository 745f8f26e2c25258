"""Faults and misuse of runs, checkpoints and tools (issue 21): each test
feeds one and pins what the user sees. docs/bad_input.md lists them."""
import glob
import json
import os
import os.path as osp
import pickle
import runpy
import shutil
import signal
import struct
import subprocess
import sys
import time
import zipfile
from argparse import Namespace

import pytest
import torch

from conftest import (REPO_ROOT, run_tool_main, warnings_logged,
                      write_tiny_config, write_untrained_synthetic_model)
from mmscl.utils import lock_work_dir


@pytest.fixture(scope='module')
def cell(tmp_path_factory):
    """The tiny config over one synthetic cell (a folder of cell folders),
    and an untrained checkpoint of its model."""
    model = write_untrained_synthetic_model(tmp_path_factory.mktemp('cell'),
                                            num_cells=1)
    return dict(model, images=f"{model['data']}/images")


def karyotype(*argv):
    runpy.run_path(f'{REPO_ROOT}/tools/karyotype.py')['main'](list(argv))


# -- tools/karyotype.py: nothing written over (item 1) -----------------------


@pytest.mark.parametrize('where', ['the input', 'inside the input'])
def test_karyotype_out_in_the_input_refused(cell, tmp_path, where):
    images = tmp_path / 'images'
    os.symlink(cell['images'], images)
    out = images if where == 'the input' else images / 'c000000' / 'k'
    before = sorted(os.listdir(images / 'c000000'))
    with pytest.raises(ValueError, match=(
            rf'--out {out} is inside the input folder {images}: its '
            'karyograms would be read as crops by the next run')):
        karyotype(cell['config'], cell['checkpoint'], str(images), '--out',
                  str(out))
    assert sorted(os.listdir(images / 'c000000')) == before


def test_karyotype_refuses_to_overwrite(cell, tmp_path):
    out = tmp_path / 'out'
    args = [cell['config'], cell['checkpoint'], cell['images'], '--out',
            str(out)]
    karyotype(*args)
    written = sorted(os.listdir(out))
    assert written == ['c000000.png', 'cells.csv', 'crops.csv']
    (out / 'cells.csv').write_text('hand edited\n')
    with pytest.raises(FileExistsError, match=(
            rf'{out} already holds 3 of the files this run writes \(e.g. '
            r'c000000.png, crops.csv, cells.csv\): nothing was written. '
            'Move them away, or pass --overwrite to replace them.')):
        karyotype(*args)
    assert (out / 'cells.csv').read_text() == 'hand edited\n'
    karyotype(*args, '--overwrite')
    assert (out / 'cells.csv').read_text().startswith('cell_id,')


def test_karyotype_never_draws_over_a_crop(cell, tmp_path):
    """A CSV cells.csv listing a crop c1.png of cell c1, karyotyped into
    the CSV's folder: the karyogram c1.png and cells.csv would replace the
    input, even asked to overwrite."""
    source = osp.join(cell['images'], 'c000000')
    shutil.copy(osp.join(source, sorted(os.listdir(source))[0]),
                tmp_path / 'c1.png')
    (tmp_path / 'cells.csv').write_text('img_path,cell_id\nc1.png,c1\n')
    with pytest.raises(ValueError, match=(
            r'2 output file\(s\) would replace the input \(e.g. '
            rf'{tmp_path}/c1.png\): choose another --out.')):
        karyotype(cell['config'], cell['checkpoint'],
                  str(tmp_path / 'cells.csv'), '--out', str(tmp_path),
                  '--overwrite')


# -- Two trainings in one work dir (item 2) ---------------------------------

# Holds the lock of a work dir until its stdin closes or it is killed.
LOCK_HOLDER = f"""
import importlib.util, sys
spec = importlib.util.spec_from_file_location(
    'lock', '{REPO_ROOT}/mmscl/utils/work_dir_lock.py')
lock = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lock)
with lock.lock_work_dir(sys.argv[1]):
    print('locked', flush=True)
    sys.stdin.read()
"""


def test_second_training_in_a_work_dir_refused(tmp_path,
                                               tiny_chromosome_dir):
    config = write_tiny_config(tmp_path / 'tiny.py', tiny_chromosome_dir)
    work_dir = tmp_path / 'work'
    holder = subprocess.Popen(
        [sys.executable, '-c', LOCK_HOLDER, str(work_dir)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == 'locked\n'
        with pytest.raises(RuntimeError, match=(
                rf'^{work_dir} is in use by another training \(PID '
                rf'{holder.pid} on .*, lock {work_dir}/train.lock\): '
                'two runs in one work dir mix their checkpoints and '
                'configs. Wait for it, stop it, or give another '
                '--work-dir.$')):
            run_tool_main('train', config, '--work-dir', str(work_dir))
        assert os.listdir(work_dir) == ['train.lock']
    finally:
        holder.kill()
        holder.wait()

    # Killed (kill -9): the lock is stale and taken over, with a message.
    with warnings_logged() as records, lock_work_dir(str(work_dir)):
        assert (work_dir / 'train.lock').read_text().startswith(
            f'{os.getpid()} on ')
    assert records == [
        f'{work_dir}/train.lock: taking over the lock of PID {holder.pid} '
        f'on {os.uname().nodename}, which is no longer running (killed, or '
        'its machine went down).'
    ]
    assert (work_dir / 'train.lock').read_text() == ''


def test_lock_of_a_finished_run_is_taken_silently(tmp_path):
    holder = subprocess.run(
        [sys.executable, '-c', LOCK_HOLDER, str(tmp_path)], input='',
        capture_output=True, text=True, check=True)
    assert holder.stdout == 'locked\n'
    assert (tmp_path / 'train.lock').read_text() == ''
    with warnings_logged() as records, lock_work_dir(str(tmp_path)):
        pass
    assert records == []


def test_only_rank_0_locks(tmp_path, monkeypatch):
    with lock_work_dir(str(tmp_path)) as lock:
        assert lock is not None
        monkeypatch.setenv('RANK', '1')
        with lock_work_dir(str(tmp_path)) as other:
            assert other is None


# -- A .pth that is not a checkpoint of the model (items 3, 17) -------------


@pytest.fixture
def foreign_pth(tmp_path):
    path = str(tmp_path / 'x.pth')
    torch.save({'foo': torch.ones(3)}, path)
    return path


def test_test_tool_refuses_a_foreign_checkpoint(cell, tmp_path, foreign_pth):
    with pytest.raises(ValueError, match=(
            rf'^{foreign_pth}: 0 of the model\'s {cell["tensors"]} tensors '
            rf'found in the checkpoint \({cell["tensors"]} missing \(e.g. '
            r'backbone.conv1.weight, backbone.bn1.weight, backbone.bn1.bias\)'
            r"; it has no state_dict, only the keys \['foo'\]\): it is not "
            r'a checkpoint of this model \(fewer than 50% match\). Give a '
            'checkpoint of this config, or, to load part of it on purpose, '
            r'lower default_hooks.checkpoint_match.min_loaded_fraction.$')):
        run_tool_main('test', cell['config'], foreign_pth, '--work-dir',
                      str(tmp_path / 'test'))
    assert not os.path.exists(tmp_path / 'test' / 'metrics.json')


def test_karyotype_tool_refuses_a_foreign_checkpoint(cell, tmp_path,
                                                     foreign_pth):
    with pytest.raises(ValueError, match=(
            rf'^{foreign_pth}: 0 of the model\'s {cell["tensors"]} tensors '
            r'found in the checkpoint .*not a checkpoint of this model')):
        karyotype(cell['config'], foreign_pth, cell['images'], '--out',
                  str(tmp_path / 'out'))
    assert not os.path.exists(tmp_path / 'out')


def test_karyotype_tool_says_what_it_loaded(cell, tmp_path, capsys):
    karyotype(cell['config'], cell['checkpoint'], cell['images'], '--out',
              str(tmp_path / 'out'))
    assert (f"{cell['checkpoint']}: {cell['tensors']} of the model's "
            f"{cell['tensors']} tensors found in the checkpoint and "
            'loaded.') in capsys.readouterr().out


def test_test_tool_keeps_the_dump_of_the_run_whose_config_it_reuses(
        cell, tmp_path):
    first = tmp_path / 'first'
    run_tool_main('test', cell['config'], cell['checkpoint'], '--work-dir',
                  str(first), '--out', str(first / 'scores.pkl'))
    [saved_config] = glob.glob(str(first / '*.py'))
    dump = (first / 'scores.pkl').read_bytes()
    again = tmp_path / 'again'
    with pytest.raises(FileExistsError, match=(
            rf"^{saved_config}: test_evaluator holds DumpResults\("
            rf"out_file_path='{first / 'scores.pkl'}'\), which exists")):
        run_tool_main('test', saved_config, cell['checkpoint'], '--work-dir',
                      str(again))
    assert not again.exists()
    run_tool_main('test', saved_config, cell['checkpoint'], '--work-dir',
                  str(again), '--out', str(again / 'scores.pkl'))
    assert (first / 'scores.pkl').read_bytes() == dump
    torch.testing.assert_close(dumped_scores(again), dumped_scores(first),
                               rtol=0, atol=0)


def dumped_scores(work_dir):
    """The pred_score of every sample of a test's --out dump, (N, C)."""
    with open(work_dir / 'scores.pkl', 'rb') as f:
        return torch.stack([sample['pred_score'] for sample in pickle.load(f)])


# -- A training that diverges (item 4) --------------------------------------


def test_diverging_training_stops_unsaved(tmp_path, tiny_chromosome_dir):
    """lr 1e6: the loss is 7e28 at step 2 (saved, its weights finite) and
    nan at step 4, where the run stops before its checkpoint."""
    config = write_tiny_config(tmp_path / 'tiny.py', tiny_chromosome_dir)
    work_dir = tmp_path / 'work'
    with pytest.raises(FloatingPointError, match=(
            r'^Training diverged: the loss is nan at iteration 4 \(lr '
            r'1e\+06\); stopped without saving the diverged model. '
            'Lower optim_wrapper.optimizer.lr, or resume from the last '
            'checkpoint. Losses: loss_cls nan, loss_con nan.$')):
        run_tool_main('train', config, '--work-dir', str(work_dir),
                      '--no-validate', '--cfg-options',
                      'optim_wrapper.optimizer.lr=1e6')
    assert sorted(glob.glob(f'{work_dir}/*.pth')) == [
        f'{work_dir}/iter_2.pth']
    assert (work_dir / 'last_checkpoint').read_text().endswith('iter_2.pth')
    weights = torch.load(work_dir / 'iter_2.pth')['state_dict'].values()
    assert all(torch.isfinite(w).all() for w in weights)


def test_non_finite_weights_are_not_saved():
    from mmengine.logging import MessageHub

    from mmscl.engine.hooks import FiniteLossHook
    hub = MessageHub.get_instance('finite-weights-test')
    hub.update_scalar('train/lr', 0.5)
    runner = Namespace(iter=6, message_hub=hub)
    checkpoint = dict(state_dict=dict(
        a=torch.ones(2), b=torch.tensor([1., float('inf')]),
        steps=torch.tensor([3])))
    with pytest.raises(FloatingPointError, match=(
            r'^Training diverged: 1 weight tensor\(s\) are not finite at '
            r'iteration 6 \(e.g. b; lr 0.5\); the checkpoint was not '
            'saved.')):
        FiniteLossHook().before_save_checkpoint(runner, checkpoint)
    checkpoint['state_dict']['b'] = torch.zeros(2)
    FiniteLossHook().before_save_checkpoint(runner, checkpoint)


# -- --input-size far too large (item 18) -----------------------------------


def test_input_size_above_2048_refused_at_start_up(tmp_path,
                                                   tiny_chromosome_dir):
    config = write_tiny_config(tmp_path / 'tiny.py', tiny_chromosome_dir)
    with pytest.raises(ValueError, match=(
            r'^input size must be an int in 1..2048 \(pixels\), got '
            '100000$')):
        run_tool_main('train', config, '--work-dir', str(tmp_path / 'work'),
                      '--input-size', '100000')
    assert not os.path.exists(tmp_path / 'work')


# -- --cfg-options keys that cannot be meant (item 13) ----------------------


@pytest.mark.parametrize('option, message', [
    ('randomnes.seed=1', "--cfg-options randomnes.seed: the config has no "
     "top-level 'randomnes', and nothing would read it. Did you mean "
     "'randomness'?"),
    ('model.head.lambda=1', "--cfg-options model.head.lambda: 'lambda' is a "
     'Python keyword, which no setting is named after (a config cannot '
     'hold it as a key). Check the name of the setting.'),
])
def test_cfg_options_that_cannot_be_meant(tmp_path, tiny_chromosome_dir,
                                          option, message):
    config = write_tiny_config(tmp_path / 'tiny.py', tiny_chromosome_dir)
    with pytest.raises(ValueError) as error:
        run_tool_main('train', config, '--work-dir', str(tmp_path / 'work'),
                      '--cfg-options', option)
    assert str(error.value) == message
    assert not os.path.exists(tmp_path / 'work')


def test_cfg_options_may_add_runner_settings():
    from mmengine.config import Config

    from mmscl.utils import apply_run_options
    cfg = Config(dict(model=dict(type='M')))
    apply_run_options(cfg, {'randomness.seed': 1, 'model.depth': 3,
                            'custom_hooks': []})
    assert cfg.randomness.seed == 1 and cfg.model.depth == 3


# -- A zip checkpoint whose pickle is corrupt (item 15) ---------------------


def corrupt_pickle(path):
    """Overwrite the pickle of a torch zip checkpoint in place: the zip
    stays whole, torch.load raises IndexError: pop from empty list."""
    data = bytearray(open(path, 'rb').read())
    with zipfile.ZipFile(path) as archive:
        [info] = [i for i in archive.infolist()
                  if i.filename.endswith('/data.pkl')]
    name_len, extra_len = struct.unpack(
        '<HH', data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    data[start + 2:start + info.file_size] = b'a' * (info.file_size - 2)
    open(path, 'wb').write(bytes(data))


def test_loading_a_corrupt_pickle_names_the_file(tmp_path):
    from mmengine.runner import CheckpointLoader
    path = str(tmp_path / 'iter_4.pth')
    torch.save(dict(meta=dict(iter=4)), path)
    corrupt_pickle(path)
    with pytest.raises(RuntimeError, match=(
            rf'^{path} cannot be loaded \(IndexError: pop from empty '
            r'list\): it is truncated or corrupt, or not a torch '
            'checkpoint.$')):
        CheckpointLoader.load_checkpoint(path)


def test_resume_falls_back_past_a_corrupt_pickle(tmp_path,
                                                 tiny_chromosome_dir):
    config = write_tiny_config(tmp_path / 'tiny.py', tiny_chromosome_dir)
    work_dir = tmp_path / 'work'
    argv = [config, '--work-dir', str(work_dir), '--no-validate']
    run_tool_main('train', *argv)
    corrupt_pickle(work_dir / 'iter_4.pth')
    with warnings_logged() as records:
        run_tool_main('train', *argv, '--resume')
    assert records[0] == (
        f'Auto-resume: {work_dir}/iter_4.pth is truncated or corrupt (its '
        'pickle does not load: IndexError: pop from empty list); resuming '
        f'from {work_dir}/iter_2.pth, the newest intact checkpoint, '
        'instead.')
    # Steps 3 and 4 trained again, iter_4.pth saved whole.
    last_run = sorted(glob.glob(f'{work_dir}/*/vis_data/scalars.json'))[-1]
    with open(last_run) as f:
        assert [json.loads(line)['iter'] for line in f] == [3, 4]
    assert torch.load(work_dir / 'iter_4.pth')['meta']['iter'] == 4


# -- kill -9 while a checkpoint is saved, then --resume (Show) --------------

# tools/train.py whose save of iter_2.pth writes half the file, makes the
# file argv[1], and waits to be killed.
KILLED_WHILE_SAVING = f"""
import os, runpy, sys, time
from mmengine.fileio.backends.local_backend import LocalBackend
put = LocalBackend.put
def put_half_then_wait(self, obj, filepath):
    if not str(filepath).endswith('iter_2.pth'):
        return put(self, obj, filepath)
    with open(filepath, 'wb') as f:
        f.write(obj[:len(obj) // 2])
    open(saving, 'w').close()
    time.sleep(600)
LocalBackend.put = put_half_then_wait
saving = sys.argv.pop(1)
sys.argv[0] = 'train.py'
runpy.run_path('{REPO_ROOT}/tools/train.py', run_name='__main__')
"""


def test_killed_while_saving_then_resumed(tmp_path, tiny_chromosome_dir):
    from mmscl.utils import checkpoint_fault
    config = write_tiny_config(tmp_path / 'tiny.py', tiny_chromosome_dir)
    work_dir = tmp_path / 'work'
    argv = [config, '--work-dir', str(work_dir), '--no-validate',
            '--cfg-options', 'train_cfg.max_iters=2',
            'default_hooks.checkpoint.interval=1']
    saving = tmp_path / 'saving'
    with open(tmp_path / 'killed.log', 'w') as log:
        run = subprocess.Popen(
            [sys.executable, '-c', KILLED_WHILE_SAVING, str(saving), *argv],
            cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 600
        while not saving.exists():
            assert run.poll() is None and time.monotonic() < deadline, \
                (tmp_path / 'killed.log').read_text()[-3000:]
            time.sleep(0.1)
        os.kill(run.pid, signal.SIGKILL)
    finally:
        run.kill()
        run.wait()
    assert run.returncode == -signal.SIGKILL
    assert checkpoint_fault(str(work_dir / 'iter_2.pth')) == \
        'not a whole zip archive'
    assert (work_dir / 'last_checkpoint').read_text().endswith('iter_1.pth')
    assert (work_dir / 'train.lock').read_text() == \
        f'{run.pid} on {os.uname().nodename}\n'
    good = (work_dir / 'iter_1.pth').read_bytes()

    with warnings_logged() as records:
        run_tool_main('train', *argv, '--resume')
    # The lock first: the checkpoints are looked at under it.
    assert records == [
        f'{work_dir}/train.lock: taking over the lock of PID {run.pid} on '
        f'{os.uname().nodename}, which is no longer running (killed, or its '
        'machine went down).',
        f'Auto-resume: {work_dir}/iter_2.pth is truncated or corrupt (not a '
        f'whole zip archive); resuming from {work_dir}/iter_1.pth, the '
        'newest intact checkpoint, instead.',
    ]
    # Step 2 trained again, iter_2.pth saved whole, iter_1.pth kept.
    killed_log, log = sorted(glob.glob(f'{work_dir}/*/*.log'))
    assert f'Load checkpoint from {work_dir}/iter_1.pth' in open(log).read()
    last_run = sorted(glob.glob(f'{work_dir}/*/vis_data/scalars.json'))[-1]
    with open(last_run) as f:
        assert [json.loads(line)['iter'] for line in f] == [2]
    assert torch.load(work_dir / 'iter_2.pth')['meta']['iter'] == 2
    assert (work_dir / 'iter_1.pth').read_bytes() == good
    assert (work_dir / 'train.lock').read_text() == ''


# -- load_from another architecture, --resume a changed model (16, 17) ------


def model_checkpoint(config, path, **options):
    """Save the state dict of the config's model, changed by options."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(options)
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    state_dict = MODELS.build(cfg.model).state_dict()
    torch.save(dict(state_dict=state_dict, meta=dict(epoch=0, iter=2)),
               path)
    return state_dict


def test_load_from_another_architecture(tmp_path, tiny_chromosome_dir):
    config = write_tiny_config(tmp_path / 'tiny.py', tiny_chromosome_dir)
    mobilenet = model_checkpoint(
        config, tmp_path / 'mobilenet.pth', **{
            'model.backbone': dict(type='MobileNetV2', _delete_=True),
            'model.head.in_channels': 1280})
    ours = model_checkpoint(config, tmp_path / 'r18.pth')
    same = sum(name in mobilenet and mobilenet[name].shape == t.shape
               for name, t in ours.items())
    assert 0 < same < len(ours) / 2
    argv = [config, '--work-dir', str(tmp_path / 'work'), '--no-validate',
            '--cfg-options', f'load_from={tmp_path}/mobilenet.pth',
            'train_cfg.max_iters=1']
    with pytest.raises(ValueError) as error:
        run_tool_main('train', *argv)
    assert str(error.value) == (
        f"{tmp_path}/mobilenet.pth: {same} of the model's {len(ours)} "
        'tensors found in the checkpoint (120 missing (e.g. '
        'backbone.conv1.weight, backbone.bn1.weight, backbone.bn1.bias), 1 '
        'of another shape (e.g. head.embedding.weight: (64, 1280) in the '
        'checkpoint, (64, 512) in the model)): it is not a checkpoint of '
        'this model (fewer than 50% match). Give a checkpoint of this '
        'config, or, to load part of it on purpose, lower '
        'default_hooks.checkpoint_match.min_loaded_fraction.')
    assert not glob.glob(f'{tmp_path}/work/*.pth')

    # Asked for: it trains on, saying what it loaded.
    with warnings_logged():
        run_tool_main('train', *argv,
                      'default_hooks.checkpoint_match.min_loaded_fraction=0')
    log = sorted(glob.glob(f'{tmp_path}/work/*/*.log'))[-1]
    assert (f"{tmp_path}/mobilenet.pth: {same} of the model's {len(ours)} "
            'tensors found in the checkpoint and loaded; ') in open(
                log).read()
    assert glob.glob(f'{tmp_path}/work/iter_1.pth')


def test_resume_with_num_classes_changed(tmp_path, tiny_chromosome_dir):
    config = write_tiny_config(tmp_path / 'tiny.py', tiny_chromosome_dir)
    model_checkpoint(config, tmp_path / 'iter_2.pth')
    with pytest.raises(ValueError) as error:
        run_tool_main('train', config, '--work-dir', str(tmp_path / 'work'),
                      '--resume', str(tmp_path / 'iter_2.pth'),
                      '--cfg-options', 'model.head.num_classes=23')
    assert str(error.value) == (
        f"{tmp_path}/iter_2.pth: 124 of the model's 126 tensors found in "
        'the checkpoint; resuming needs them all, with their shapes: 2 of '
        'another shape (e.g. head.classifier.2.weight: (24, 64) in the '
        'checkpoint, (23, 64) in the model; head.classifier.2.bias: (24,) '
        'in the checkpoint, (23,) in the model). Was the model changed '
        '(num_classes, the backbone) since the run saved it? Resume with '
        'the config it ran, or start from it with load_from (no --resume).')


# -- --resume with a changed lr (item 5) ------------------------------------


def test_resume_with_a_changed_lr(tmp_path, tiny_chromosome_dir):
    from mmengine.config import Config
    config = write_tiny_config(tmp_path / 'tiny.py', tiny_chromosome_dir)
    work_dir = tmp_path / 'work'
    argv = [config, '--work-dir', str(work_dir), '--no-validate',
            '--cfg-options', 'train_cfg.max_iters=2']
    run_tool_main('train', *argv)
    run_tool_main('train', *argv[:-1], 'train_cfg.max_iters=3',
                  'optim_wrapper.optimizer.lr=0.01', '--resume')
    log = sorted(glob.glob(f'{work_dir}/*/*.log'))[-1]
    assert (
        '--resume: the run goes on with the lr of the checkpoint '
        "(optim_wrapper.optimizer.lr=0.001), not the config's 0.01: resuming "
        'restores the optimizer and its schedulers. The config dumped into '
        'the work dir now says 0.001. To train on with 0.01, start from the '
        'checkpoint with load_from=CKPT instead of --resume.') in open(
            log).read()
    dumped = Config.fromfile(work_dir / 'tiny.py')
    assert dumped.optim_wrapper.optimizer.lr == 0.001
    last_run = sorted(glob.glob(f'{work_dir}/*/vis_data/scalars.json'))[-1]
    with open(last_run) as f:
        [step] = [json.loads(line) for line in f]
    assert step['iter'] == 3 and step['lr'] == pytest.approx(0.001)
