"""Train a model with an mmscl / MMPretrain config.

Example:
    python tools/train.py configs/scl/swin-l_ogh.py --work-dir work_dirs/x
"""
import argparse

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

import mmscl  # noqa: F401  (registers mmscl's modules, safe checkpoints)
from mmscl.utils import (apply_run_options, find_resumable_checkpoint,
                         lock_work_dir)
from mmscl.utils.tool_args import (add_launcher_arguments,
                                   set_launcher_and_work_dir, set_local_rank)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a classifier')
    parser.add_argument('config', help='config file')
    parser.add_argument('--work-dir', help='folder for logs and checkpoints')
    parser.add_argument(
        '--resume', nargs='?', const='auto', default=None,
        help='resume from this checkpoint, or, without a value, from the '
        'latest intact checkpoint in the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision training')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr with the actual batch size')
    parser.add_argument('--no-pin-memory', action='store_true',
                        help='disable pin_memory in the dataloaders')
    parser.add_argument('--no-persistent-workers', action='store_true',
                        help='disable persistent_workers in the dataloaders')
    parser.add_argument(
        '--input-size', type=int,
        help='side of the model input: the output of every Letterbox of '
        'the config (--cfg-options input_size=... would not reach them)')
    parser.add_argument(
        '--max-iters', type=int,
        help='training steps of an iteration-based config, the whole '
        'schedule (warm-ups, decay, validation interval) rescaled with them '
        '(--cfg-options train_cfg.max_iters=... would leave it)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. randomness.seed=1')
    add_launcher_arguments(parser)
    args = parser.parse_args()
    set_local_rank(args)
    return args


def merge_args(cfg, args):
    """Apply the command-line arguments to the config."""
    set_launcher_and_work_dir(cfg, args)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True

    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(field)
        if loader is None:
            continue
        workers = loader.get('num_workers', 0) > 0
        loader.setdefault('pin_memory', not args.no_pin_memory)
        loader.setdefault('persistent_workers',
                          workers and not args.no_persistent_workers)
        loader.setdefault('collate_fn', dict(type='default_collate'))

    apply_run_options(cfg, args.cfg_options, args.input_size, args.max_iters)
    # After the options, which may move the work dir; --resume without a
    # file is resolved under the work dir's lock (resolve_auto_resume).
    if args.resume is not None:
        cfg.resume = True
        cfg.load_from = None if args.resume == 'auto' else args.resume
    if cfg.get('auto_scale_lr', {}).get('enable') and \
            cfg.train_dataloader.get('batch_size') is None:
        # MMEngine scales by the config's batch size, which a
        # PairedTypeBatchSampler leaves to its sampler (2 x the types).
        raise ValueError(
            '--auto-scale-lr needs train_dataloader.batch_size, which is '
            'None (PairedTypeBatchSampler takes 2 x the number of types): '
            'give it, e.g. --cfg-options train_dataloader.batch_size=48; '
            'the batch sampler checks it.')
    return cfg


def resolve_auto_resume(cfg, args):
    """With ``--resume`` and no file, resume the newest intact checkpoint
    of the work dir. Called holding the work dir's lock, so that a save of
    a live run is not taken for a truncated file."""
    if args.resume == 'auto':
        cfg.load_from = find_resumable_checkpoint(cfg.work_dir)
    return cfg


def main():
    args = parse_args()
    cfg = merge_args(Config.fromfile(args.config), args)
    with lock_work_dir(cfg.work_dir):
        resolve_auto_resume(cfg, args)
        runner = (Runner.from_cfg(cfg)
                  if 'runner_type' not in cfg else RUNNERS.build(cfg))
        runner.register_hook(dict(type='DisjointSplitsHook'))
        runner.train()


if __name__ == '__main__':
    main()
