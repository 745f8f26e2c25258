"""Time a training step with SCL against the baseline, same backbone and
batch.

Both models are built from their configs (by default the ResNet-50 runs of
Table 1: ``configs/scl/resnet50_ogh.py`` and
``configs/baseline/resnet50_ogh.py``) and trained on the same paired batch
of 2 x 24 random 1-channel images; steps alternate between the two so both
see the same machine load. A step is ``model.train_step``: preprocessing,
forward, losses, backward and the Adam update. The script prints the median
milliseconds per step of each and the relative cost of the SCL head.
``--compare CONFIG ...`` times other models in the same rotation against the
baseline (e.g. the Table 2 models of ``configs/comparison/``); several
``--input-size`` values time every model at each size, all in one rotation,
against the baseline at the first (the cost of a larger input).
``--fault-hooks`` times every model twice in the rotation, with and
without the per-step calls of mmscl's fault hooks (``default_runtime.py``'s
and the DisjointSplitsHook of ``tools/train.py``), after MMEngine's
RuntimeInfoHook in both, as a runner calls them; and the check each
checkpoint save adds.

Examples:
    python -m benchmarks.train_step --device cuda
    python -m benchmarks.train_step --device cuda --amp
    python -m benchmarks.train_step --input-size 64 --steps 10  # CPU
    python -m benchmarks.train_step --input-size 64 --steps 10 \
        --scl-config configs/scl/resnet18_gband612.py \
        --baseline-config configs/baseline/resnet18_gband612.py \
        --compare configs/comparison/varifocal-net_gband612.py \
        configs/comparison/hr-net_gband612.py
    python -m benchmarks.train_step --input-size 64 96 --steps 10 \
        --threads 1 --scl-config configs/scl/resnet18_gband612.py \
        --baseline-config configs/baseline/resnet18_gband612.py \
        --compare benchmarks/configs/scl_resnet18_gband612_output_stride16.py
    python -m benchmarks.train_step --input-size 64 --steps 30 \
        --fault-hooks --scl-config configs/scl/resnet18_gband612.py \
        --baseline-config configs/baseline/resnet18_gband612.py
"""
import argparse
import os.path as osp
import statistics
import time
from types import SimpleNamespace

import torch
from mmengine.config import Config, DictAction
from mmengine.hooks import RuntimeInfoHook
from mmengine.logging import MessageHub
from mmengine.optim import build_optim_wrapper
from mmpretrain.registry import HOOKS, MODELS
from mmpretrain.structures import DataSample

import mmscl  # noqa: F401
from benchmarks import REPO_ROOT, add_config_arguments


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_config_arguments(parser, 'resnet50_ogh')
    parser.add_argument(
        '--compare',
        nargs='+',
        default=[],
        metavar='CONFIG',
        help='more models to time against the baseline')
    parser.add_argument('--device', default='cpu', help="'cpu' or 'cuda'")
    parser.add_argument(
        '--input-size',
        type=int,
        nargs='+',
        default=[224],
        help='side of the input; several: every model at each')
    parser.add_argument(
        '--threads',
        type=int,
        help='torch CPU threads (default: torch\'s), e.g. 1 as each of '
        'two benchmark runs side by side on 2 cores')
    parser.add_argument(
        '--steps', type=int, default=30, help='timed steps of each model')
    parser.add_argument(
        '--warmup',
        type=int,
        default=5,
        help='untimed steps of each model first')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision (AmpOptimWrapper), as --amp')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='overrides applied to both configs, e.g. '
        'model.backbone.model_name=resnet34 model.head.in_channels=512')
    parser.add_argument(
        '--fault-hooks',
        action='store_true',
        help='time each model with and without the fault hooks too')
    return parser.parse_args()


def build(config, args):
    """The model of a config on the device and its optimizer wrapper."""
    cfg = Config.fromfile(config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    torch.manual_seed(0)
    model = MODELS.build(
        dict(cfg.model, data_preprocessor=cfg.data_preprocessor))
    model.to(args.device).train()
    optim_cfg = cfg.optim_wrapper
    if args.amp:
        optim_cfg = dict(
            optim_cfg, type='AmpOptimWrapper', loss_scale='dynamic')
    return model, build_optim_wrapper(model, optim_cfg)


def paired_batch(size, num_types=24):
    """B1 then B2, one image of each type in each half, as PairedTypeSampler
    lays out a batch, stacked as tools/train.py's ``default_collate`` does
    (one host-to-device copy of the images per step)."""
    generator = torch.Generator().manual_seed(0)
    labels = list(range(num_types)) * 2
    return dict(
        inputs=torch.randint(
            0,
            256, (len(labels), 1, size, size),
            dtype=torch.uint8,
            generator=generator),
        data_samples=[DataSample().set_gt_label(label) for label in labels])


def fault_hooks():
    """The hooks of mmscl that every training runs."""
    runtime = Config.fromfile(
        osp.join(REPO_ROOT, 'configs/_base_/default_runtime.py'))
    configs = [
        *runtime.default_hooks.values(),
        dict(type='DisjointSplitsHook')
    ]
    return [
        HOOKS.build(hook) for hook in configs
        if HOOKS.get(hook['type']).__module__.startswith('mmscl')
    ]


HOOKED = ' + fault hooks'
# What the hooks read of the runner in a step: its message hub, where the
# RuntimeInfoHook puts the losses.
RUNNER = SimpleNamespace(
    message_hub=MessageHub.get_instance('train_step_benchmark'), iter=0)
RUNTIME_INFO = RuntimeInfoHook()


def timed_step(model, optim_wrapper, data, device, hooks=None):
    """Milliseconds of one step; with ``hooks`` (a list), the runner's
    RuntimeInfoHook and then those hooks are called around it."""
    if device.startswith('cuda'):
        torch.cuda.synchronize()
    start = time.perf_counter()
    if hooks is None:
        model.train_step(data, optim_wrapper)
    else:
        for hook in hooks:
            hook.before_train_iter(RUNNER, 0, data)
        outputs = model.train_step(data, optim_wrapper)
        for hook in [RUNTIME_INFO, *hooks]:
            hook.after_train_iter(RUNNER, 0, data, outputs)
    if device.startswith('cuda'):
        torch.cuda.synchronize()
    return (time.perf_counter() - start) * 1000


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    models = {
        'SCL': build(args.scl_config, args),
        'baseline': build(args.baseline_config, args),
    }
    for config in args.compare:
        models[osp.splitext(osp.basename(config))[0]] = build(config, args)
    sizes = args.input_size
    runs = {(name if len(sizes) == 1 else f'{name}@{size}'):
            (*model, paired_batch(size))
            for size in sizes for name, model in models.items()}
    hooks = {name: None for name in runs}
    if args.fault_hooks:
        for name, run in list(runs.items()):
            runs[name + HOOKED] = run
            hooks[name], hooks[name + HOOKED] = [], fault_hooks()
    times = {name: [] for name in runs}
    for step in range(args.warmup + args.steps):
        for name, (model, optim_wrapper, data) in runs.items():
            elapsed = timed_step(model, optim_wrapper, data, args.device,
                                 hooks[name])
            if step >= args.warmup:
                times[name].append(elapsed)

    device = (
        torch.cuda.get_device_name(args.device)
        if args.device.startswith('cuda') else
        f'cpu ({torch.get_num_threads()} threads)')
    print(f'{osp.relpath(args.scl_config, REPO_ROOT)} vs '
          f'{osp.relpath(args.baseline_config, REPO_ROOT)} on {device}, '
          'batch 48 of 1 x ' + ' / '.join(f'{s} x {s}' for s in sizes) +
          f'{", AMP" if args.amp else ""}, median of {args.steps} steps:')
    medians = {name: statistics.median(t) for name, t in times.items()}
    width = max(map(len, medians))
    for name, median in medians.items():
        print(f'  {name:{width}s} {median:9.2f} ms/step')
    reference = next(name for name in medians if name.startswith('baseline'))
    for name, median in medians.items():
        # A model with the fault hooks against itself without them.
        against = name.removesuffix(HOOKED) if hooks[name] else reference
        if name != against:
            ratio = median / medians[against]
            print(f'  {name} / {against} = {ratio:.4f} '
                  f'({(ratio - 1) * 100:+.2f}%)')
    if args.fault_hooks:
        timed = fault_hooks()
        print('  fault hooks: ' +
              ', '.join(type(hook).__name__ for hook in timed) +
              f'; their calls alone: {hook_calls_us(timed):.1f} us a step')
    for name, (model, _, _) in runs.items():
        if hooks[name]:
            print(f'  {name}: {checkpoint_check_ms(model, hooks[name]):.2f} '
                  'ms added to each checkpoint save')


def hook_calls_us(hooks, repeats=10000):
    """Mean microseconds of the per-step calls of ``hooks``, on the loss
    the rotation left in the message hub."""
    start = time.perf_counter()
    for _ in range(repeats):
        for hook in hooks:
            hook.before_train_iter(RUNNER, 0)
            hook.after_train_iter(RUNNER, 0)
    return (time.perf_counter() - start) * 1e6 / repeats


def checkpoint_check_ms(model, hooks, repeats=5):
    """Median milliseconds that ``hooks`` add to a checkpoint save of
    ``model`` (FiniteLossHook checks every weight)."""
    checkpoint = dict(state_dict=model.state_dict())
    elapsed = []
    for _ in range(repeats):
        start = time.perf_counter()
        for hook in hooks:
            hook.before_save_checkpoint(RUNNER, checkpoint)
        elapsed.append((time.perf_counter() - start) * 1000)
    return statistics.median(elapsed)


if __name__ == '__main__':
    main()
