"""Evaluate a checkpoint on the test split of a config.

Example (internal test split, then ChrmNet through an inheriting config,
then the crops of another lab with the model adapted to them first):
    python tools/test.py configs/scl/swin-l_ogh.py CKPT
    python tools/test.py configs/scl/swin-l_ogh_chrmnet.py CKPT
    python tools/test.py configs/scl/resnet18_gband612_qband119.py CKPT \
        --adapt --save-adapted work_dirs/adapted_qband119.pth
    # Crops of whole cells without cell ids: average over scales around
    # their reference, and predict each autosome equally often.
    python tools/test.py configs/scl/resnet18_gband612_qband119.py CKPT \
        --tta --balance-types \
        --cfg-options test_dataloader.dataset.ann_file=no_ids.csv
"""
import argparse
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

import mmscl  # noqa: F401  (registers mmscl's modules, safe checkpoints)
from mmscl.engine.adaptation import DEFAULT_SHIFT_SCALE
from mmscl.utils import apply_balance_types, apply_run_options, apply_tta
from mmscl.utils.tool_args import (add_launcher_arguments, check_adapt_args,
                                   check_new_file, set_launcher_and_work_dir,
                                   set_local_rank)


def parse_args():
    parser = argparse.ArgumentParser(description='Test a classifier')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='folder for logs and metrics')
    parser.add_argument(
        '--out', help='dump the predictions to this new .pkl file')
    parser.add_argument('--amp', action='store_true',
                        help='test in mixed precision')
    parser.add_argument(
        '--adapt', action='store_true',
        help='adapt the BatchNorm statistics to the test crops first '
        '(unsupervised: labels are not read; the checkpoint file is not '
        'changed)')
    parser.add_argument(
        '--adapt-shift-scale', type=float,
        help='with --adapt: the divergence at which a layer takes half '
        'of the target statistics; 0 takes them whole (plain AdaBN; '
        f'default: {DEFAULT_SHIFT_SCALE})')
    parser.add_argument(
        '--save-adapted', metavar='PATH',
        help='with --adapt: also write the adapted weights to this new '
        'checkpoint file')
    parser.add_argument(
        '--tta', action='store_true',
        help='average the scores of the views of the config\'s '
        'tta_pipeline (the gband612 configs: each crop at seven scales '
        'around its reference length, spread wider for crops without a '
        'cell reference)')
    parser.add_argument(
        '--balance-types', action='store_true',
        help='score the test set as crops of whole cells: every autosome '
        'predicted equally often over the set, no ids or labels read '
        '(wrong for a set that holds some types more often by design; '
        '--out still dumps the scores before it)')
    parser.add_argument(
        '--input-size', type=int,
        help='side of the model input: the output of every Letterbox of '
        'the config (--cfg-options input_size=... would not reach them)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. '
        'test_dataloader.dataset.ann_file=other.csv')
    add_launcher_arguments(parser)
    args = parser.parse_args()
    check_adapt_args(parser, args, DEFAULT_SHIFT_SCALE)
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            parser.error(f'--out must be a .pkl file, got {args.out}')
        check_new_file(parser, args.out, '--out')
        if args.save_adapted and \
                osp.realpath(args.out) == osp.realpath(args.save_adapted):
            parser.error('--out and --save-adapted name the same file '
                         f'{args.out}: give two files.')
    set_local_rank(args)
    return args


def merge_args(cfg, args):
    """Apply the command-line arguments to the config."""
    set_launcher_and_work_dir(cfg, args)
    cfg.load_from = args.checkpoint
    if args.amp:
        cfg.test_cfg.fp16 = True
    apply_run_options(cfg, args.cfg_options, args.input_size)
    if args.tta:
        apply_tta(cfg)
    if args.balance_types:
        apply_balance_types(cfg)
    if args.adapt:
        cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
            dict(type='AdaptBatchNormHook',
                 shift_scale=args.adapt_shift_scale,
                 save_to=args.save_adapted)
        ]
    set_dump_results(cfg, args.out)
    return cfg


def set_dump_results(cfg, out):
    """Dump the test's scores to ``out`` alone, and never over a file.

    The config a ``--out`` run leaves in its work dir holds that run's
    ``DumpResults``, so testing with it again would overwrite that run's
    scores: ``--out`` takes its place, and without ``--out`` one whose file
    exists is refused before the test.

    Args:
        cfg (Config): The test config, changed in place.
        out (str, optional): The new .pkl file of ``--out``.

    Raises:
        FileExistsError: If ``out`` is None and a ``DumpResults`` of the
            config would write over an existing file.
    """
    evaluators = cfg.test_evaluator
    if isinstance(evaluators, dict):
        evaluators = [evaluators]
    dumps = [e for e in evaluators if e.get('type') == 'DumpResults']
    if out is None:
        for dump in dumps:
            if osp.exists(dump.get('out_file_path', '')):
                raise FileExistsError(
                    f'{cfg.filename}: test_evaluator holds DumpResults('
                    f"out_file_path='{dump['out_file_path']}'), which exists "
                    '(a config saved by an earlier tools/test.py --out run '
                    'keeps its dump): give --out NEW.pkl to dump elsewhere, '
                    'or remove the DumpResults from the config.')
        return
    cfg.test_evaluator = [e for e in evaluators if e not in dumps] + [
        dict(type='DumpResults', out_file_path=out)
    ]


def main():
    args = parse_args()
    cfg = merge_args(Config.fromfile(args.config), args)
    runner = (Runner.from_cfg(cfg)
              if 'runner_type' not in cfg else RUNNERS.build(cfg))
    runner.test()


if __name__ == '__main__':
    main()
