"""SCL against the baseline on real crops, as in Table 1 of the paper.

Trains the SCL config and its baseline (same backbone, input, steps and
seed; no contrastive loss, shuffled batches) on gband612's train split for
every seed, tests both on gband612's held-out cells (internal) and on
qband119 (external: another lab, Q-band, inverted), and writes a markdown
table of Accuracy / Recall / AUC, mean +- std over seeds, with the deltas
paired by seed.

Every step is a run of ``tools/train.py`` or ``tools/test.py`` (the paths
users run), by default in a process forked from this one, which has
imported mmscl already (``--fresh-processes`` starts each in a new
interpreter instead). The data is prepared first: the tarballs of
``<repo>/../shared/data`` are extracted into ``--data-dir`` (unless already
there) and the converters write the annotation CSVs (unless present).

Examples:
    # CPU check: 1 seed, 300 steps at 64 px, 1 run at a time
    python benchmarks/real_data.py --seeds 1 --max-iters 300 \\
        --input-size 64 --out work_dirs/real_data
    # One GPU, 16 cores: 3 seeds x 2 configs, 3 runs at a time
    python benchmarks/real_data.py --seeds 3 --jobs 3 --workers 4 \\
        --out $OUT
    # Another backbone through the configs' options
    python benchmarks/real_data.py --cfg-options model.backbone.depth=34
"""
import argparse
import datetime
import glob
import json
import multiprocessing
import os
import os.path as osp
import platform
import runpy
import shutil
import subprocess
import sys
import time
from collections import defaultdict

import cv2
import numpy as np
import torch
from mmengine.config import Config, DictAction

import mmscl  # noqa: F401  (imported once here, forked by every run)
from mmscl.datasets.annotation import (read_annotation_csv,
                                       write_annotation_csv)
from mmscl.datasets.categories import CHROMOSOME_CATEGORIES
from mmscl.datasets.transforms import imread_grayscale
from mmscl.evaluation import METRIC_LABELS, mean_std, read_test_metrics
from mmscl.utils import set_input_size

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOOLS = osp.join(REPO_ROOT, 'tools')
TARBALL_DIRS = (osp.join(REPO_ROOT, '..', 'shared', 'data'),
                osp.join(REPO_ROOT, 'shared', 'data'))

# name: (folder of the crops inside the tarball, converter arguments, CSVs)
DATASETS = {
    'gband612': ('single_clase', [], ('train.csv', 'test.csv')),
    'qband119': ('single_chromosomes', ['--all'], ('all.csv', )),
}
METHODS = ('baseline', 'scl')
METHOD_NAMES = {'baseline': 'Baseline', 'scl': 'SCL'}
# Accuracy / Recall / AUC are reported for these; the rescaled copies of the
# internal test set (another lab's pixel scale) get accuracy only.
MAIN_TEST_SETS = ('internal', 'external')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.splitlines()[2:]))
    parser.add_argument(
        '--scl-config',
        default=osp.join(REPO_ROOT, 'configs/scl/resnet18_gband612.py'))
    parser.add_argument(
        '--baseline-config',
        default=osp.join(REPO_ROOT, 'configs/baseline/resnet18_gband612.py'))
    parser.add_argument(
        '--external-suffix',
        default='_qband119',
        help='the external test config of CONFIG.py is CONFIGSUFFIX.py '
        '(default: _qband119)')
    parser.add_argument(
        '--methods',
        nargs='+',
        choices=METHODS,
        default=list(METHODS),
        help='train and test only these (default: both), e.g. a variant '
        'of the baseline given by --baseline-config')
    parser.add_argument(
        '--seeds', type=int, default=3, help='seeds 0..N-1 (default: 3)')
    parser.add_argument(
        '--max-iters',
        type=int,
        help='training steps; the whole schedule (warm-ups, decay) is '
        "rescaled to it (default: the configs')")
    parser.add_argument(
        '--input-size',
        type=int,
        help="side of the model input: the scale of every Letterbox, the "
        "canvases stay (default: the configs')")
    parser.add_argument(
        '--rescaled',
        type=float,
        nargs='*',
        default=[0.7, 1.7],
        help='also test on copies of the internal test set whose crops are '
        'resized by these factors, as crops of labs that image at another '
        'pixel scale (default: 0.7 1.7; none: no such tests)')
    parser.add_argument(
        '--subset',
        type=int,
        help='use only the first N crops of each type of every CSV (a '
        'quick check, not a benchmark)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        help='passed on to every tools/train.py and tools/test.py run, '
        'after the options set here, e.g. model.backbone.depth=34')
    parser.add_argument(
        '--jobs',
        type=int,
        default=1,
        help='(config, seed) runs at a time (default: 1)')
    parser.add_argument(
        '--workers',
        type=int,
        help='dataloader workers of each run (default: CPUs / jobs - 1, '
        'at most 8)')
    parser.add_argument(
        '--threads',
        type=int,
        help='torch threads of each run (default: CPUs / jobs; less when '
        'another benchmark shares the machine)')
    parser.add_argument(
        '--work-dir',
        default=osp.join(REPO_ROOT, 'work_dirs', 'real_data'),
        help='logs and checkpoints of the runs')
    parser.add_argument(
        '--data-dir',
        help='folder of the extracted gband612/ and qband119/ (extracted '
        'there from the tarballs when absent; default: /dev/shm/mmscl_data '
        'if /dev/shm exists, else WORK_DIR/data)')
    parser.add_argument(
        '--tarball-dir',
        help='folder of gband612.tar.gz and qband119.tar.gz (default: '
        '<repo>/../shared/data)')
    parser.add_argument(
        '--out',
        help='folder the table (real_data.md) and the metrics of every run '
        '(real_data.json) are written to (default: WORK_DIR)')
    parser.add_argument(
        '--fresh-processes',
        action='store_true',
        help='start every run in a new interpreter instead of forking')
    args = parser.parse_args(argv)
    minimums = dict(seeds=1, jobs=1, max_iters=1, input_size=1, subset=1,
                    workers=0)
    for name, minimum in minimums.items():
        value = getattr(args, name)
        if value is not None and value < minimum:
            parser.error(f'--{name.replace("_", "-")} must be at least '
                         f'{minimum}, got {value}')
    args.work_dir = osp.abspath(args.work_dir)
    args.out = osp.abspath(args.out or args.work_dir)
    if args.data_dir is None:
        args.data_dir = ('/dev/shm/mmscl_data' if osp.isdir('/dev/shm') else
                         osp.join(args.work_dir, 'data'))
    args.data_dir = osp.abspath(args.data_dir)
    if args.workers is None:
        args.workers = min(8, max(1, (os.cpu_count() or 2) // args.jobs - 1))
    # Runs side by side share the cores: more OpenMP threads than cores
    # make every step several times slower.
    if args.threads is None:
        args.threads = max(1, (os.cpu_count() or 1) // args.jobs)
    return args


def _run_script(script, argv, log_file, threads):
    """Run ``script`` as ``__main__`` with ``argv`` and ``threads`` torch
    threads, output to ``log_file`` (the target of a forked process)."""
    torch.set_num_threads(threads)
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    # Fresh line-buffered streams on the log (the inherited sys.stdout may
    # not write to file descriptor 1, and a forked process ends without
    # flushing Python's buffers).
    sys.stdout = open(1, 'w', buffering=1, closefd=False)
    sys.stderr = open(2, 'w', buffering=1, closefd=False)
    sys.argv = [script, *argv]
    try:
        runpy.run_path(script, run_name='__main__')
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


class ToolRun:
    """One run of a script of ``tools/``, in a forked or a new process.

    Args:
        script (str): The script.
        argv (list[str]): Its arguments.
        log_file (str): Where its stdout and stderr go.
        threads (int): Its torch (OpenMP) threads.
        fresh (bool): Start a new interpreter instead of forking.
    """

    def __init__(self, script, argv, log_file, threads, fresh=False):
        self.script, self.argv, self.log_file = script, argv, log_file
        self.start = time.perf_counter()
        if not fresh and torch.cuda.is_initialized():
            # A forked child of a process with CUDA cannot use CUDA.
            print('CUDA is initialised in this process: starting runs in '
                  'new interpreters.', flush=True)
            fresh = True
        if fresh:
            with open(log_file, 'w') as log:
                self.process = subprocess.Popen(
                    [sys.executable, script, *argv],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=REPO_ROOT,
                    env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
        else:
            self.process = multiprocessing.get_context('fork').Process(
                target=_run_script, args=(script, argv, log_file, threads))
            self.process.start()
        self.seconds = None

    def poll(self):
        """The exit code, or None while running."""
        if isinstance(self.process, subprocess.Popen):
            code = self.process.poll()
        else:
            code = self.process.exitcode
        if code is not None and self.seconds is None:
            self.seconds = time.perf_counter() - self.start
        return code

    def wait(self):
        """Wait for the end; the exit code."""
        while self.poll() is None:
            time.sleep(0.2)
        return self.poll()

    def terminate(self):
        """Stop the run if it is still going."""
        if self.poll() is None:
            self.process.terminate()

    def check(self):
        """Raise, with the end of the log, if the run failed."""
        code = self.poll()
        if code:
            with open(self.log_file, errors='replace') as f:
                tail = f.read()[-4000:]
            raise RuntimeError(
                f'{osp.relpath(self.script, REPO_ROOT)} '
                f'{" ".join(self.argv)}\nexited with {code}; end of '
                f'{self.log_file}:\n{tail}')


def find_tarball_dir(tarball_dir):
    candidates = [tarball_dir] if tarball_dir else TARBALL_DIRS
    for folder in candidates:
        if all(
                osp.isfile(osp.join(folder, f'{name}.tar.gz'))
                for name in DATASETS):
            return folder
    raise FileNotFoundError(
        'gband612.tar.gz and qband119.tar.gz not found in '
        f'{", ".join(candidates)}: give --tarball-dir, or --data-dir with '
        'the extracted sets.')


def prepare_data(args):
    """Extract the sets and write their CSVs where missing.

    Returns:
        dict[str, str]: The folder (data root) of each set.
    """
    roots = {}
    for name, (crops, converter_args, csvs) in DATASETS.items():
        root = osp.join(args.data_dir, name)
        if not osp.isdir(osp.join(root, crops)):
            tarball = osp.join(find_tarball_dir(args.tarball_dir),
                               f'{name}.tar.gz')
            print(f'Extracting {tarball} into {args.data_dir}', flush=True)
            os.makedirs(args.data_dir, exist_ok=True)
            subprocess.run(['tar', 'xzf', tarball, '-C', args.data_dir],
                           check=True)
            if not osp.isdir(osp.join(root, crops)):
                raise FileNotFoundError(
                    f'{tarball} did not give {osp.join(root, crops)}.')
        if not all(osp.isfile(osp.join(root, csv)) for csv in csvs):
            print(f'Converting {name} (tools/dataset_converters/{name}.py)',
                  flush=True)
            log_file = osp.join(args.work_dir, f'convert_{name}.log')
            run = ToolRun(
                osp.join(TOOLS, 'dataset_converters', f'{name}.py'),
                [root, root, *converter_args], log_file, args.threads,
                args.fresh_processes)
            run.wait()
            run.check()
        roots[name] = root
    return roots


def rescaled_name(factor):
    return f'internal_x{factor:g}'


def write_rescaled_copy(root, csv_file, factor, dst_root):
    """Resize every crop of ``csv_file`` (paths relative to ``root``) by
    ``factor`` into PNGs under ``dst_root``, with the same CSV (cells kept),
    unless there already.

    Returns:
        str: The CSV of the copy.
    """
    dst_csv = osp.join(dst_root, osp.basename(csv_file))
    if osp.isfile(dst_csv):
        return dst_csv
    rows = []
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    for row in read_annotation_csv(csv_file):
        img = imread_grayscale(osp.join(root, row['img_path']))
        size = (max(1, round(img.shape[1] * factor)),
                max(1, round(img.shape[0] * factor)))
        path = osp.splitext(row['img_path'])[0] + '.png'
        os.makedirs(osp.dirname(osp.join(dst_root, path)), exist_ok=True)
        cv2.imwrite(osp.join(dst_root, path),
                    cv2.resize(img, size, interpolation=interpolation))
        rows.append(dict(row, img_path=path))
    write_annotation_csv(dst_csv, rows)
    return dst_csv


def write_subset(src_csv, dst_csv, per_type):
    """Write the first ``per_type`` crops of each type of a CSV."""
    taken = defaultdict(int)
    rows = []
    for row in read_annotation_csv(src_csv):
        if taken[row['label']] < per_type:
            taken[row['label']] += 1
            rows.append(row)
    write_annotation_csv(dst_csv, rows)
    return dst_csv


def schedule_options(cfg, max_iters):
    """Options rescaling every iteration count of the schedule (warm-ups,
    decay) from the config's length to ``max_iters``."""
    factor = max_iters / cfg.train_cfg.max_iters
    options = {'train_cfg.max_iters': max_iters,
               'train_cfg.val_interval': max_iters}
    schedulers = cfg.get('param_scheduler') or []
    keys = ['param_scheduler'] if isinstance(schedulers, dict) else [
        f'param_scheduler.{i}' for i in range(len(schedulers))
    ]
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    for key, scheduler in zip(keys, schedulers):
        if scheduler.get('by_epoch', True):
            raise ValueError(f'{cfg.filename}: {key} counts epochs; '
                             '--max-iters rescales iterations.')
        begin = round(scheduler.get('begin', 0) * factor)
        options[f'{key}.begin'] = begin
        if scheduler.get('end') is not None:
            # A scheduler of a few steps still spans at least one.
            options[f'{key}.end'] = max(begin + 1,
                                        round(scheduler['end'] * factor))
    for i, hook in enumerate(cfg.get('custom_hooks') or []):
        if hook.get('warmup_iters') is not None:
            options[f'custom_hooks.{i}.warmup_iters'] = round(
                hook['warmup_iters'] * factor)
    return options


def parse_options(options):
    """``key=value`` strings into the dict ``--cfg-options`` makes."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--options', nargs='+', action=DictAction)
    return parser.parse_args(['--options', *options]).options


def format_options(options):
    return [f'{key}={value}' for key, value in options.items()]


class Benchmark:
    """The runs of one benchmark: configs, options and results.

    Args:
        args (argparse.Namespace): The command line.
        roots (dict[str, str]): The data root of each set.
    """

    def __init__(self, args, roots):
        self.args = args
        self.configs = {
            'scl': osp.abspath(args.scl_config),
            'baseline': osp.abspath(args.baseline_config)
        }
        self.external_configs = {}
        for method, config in self.configs.items():
            external = config[:-len('.py')] + args.external_suffix + '.py'
            for path in (config, external):
                if not osp.isfile(path):
                    raise FileNotFoundError(f'Config not found: {path}')
            self.external_configs[method] = external
        self.roots = roots
        self.ann_files = self._ann_files()
        self.test_sets = list(MAIN_TEST_SETS)
        for factor in args.rescaled:
            name = rescaled_name(factor)
            self.roots[name] = osp.join(args.work_dir, 'data', name)
            self.ann_files[name] = write_rescaled_copy(
                self.roots['gband612'], self.ann_files['internal'], factor,
                self.roots[name])
            self.test_sets.append(name)
        self.results = defaultdict(dict)  # (method, seed) -> results
        self.settings = self._settings()

    def _ann_files(self):
        """The CSV of each split, or of its subset."""
        gband, qband = self.roots['gband612'], self.roots['qband119']
        files = dict(
            train=osp.join(gband, 'train.csv'),
            internal=osp.join(gband, 'test.csv'),
            external=osp.join(qband, 'all.csv'))
        if self.args.subset:
            folder = osp.join(self.args.work_dir, 'subset')
            os.makedirs(folder, exist_ok=True)
            files = {
                split: write_subset(path, osp.join(folder, f'{split}.csv'),
                                    self.args.subset)
                for split, path in files.items()
            }
        return files

    def _tool_args(self, options):
        """The input size, then ``options`` and the user's options (which
        come last, so that they win)."""
        size = ['--input-size', str(self.args.input_size)
                ] if self.args.input_size else []
        return size + [
            '--cfg-options', *format_options(options), *self.args.cfg_options
        ]

    def train_argv(self, method, seed, work_dir):
        cfg = Config.fromfile(self.configs[method])
        workers = self.args.workers
        options = {
            'randomness.seed': seed,
            'train_dataloader.dataset.data_root': self.roots['gband612'],
            'train_dataloader.dataset.ann_file': self.ann_files['train'],
            'train_dataloader.num_workers': workers,
            'train_dataloader.persistent_workers': workers > 0,
        }
        max_iters = self.args.max_iters or cfg.train_cfg.max_iters
        if self.args.max_iters:
            options.update(schedule_options(cfg, max_iters))
        # One checkpoint, the last: the model that is tested.
        options['default_hooks.checkpoint.interval'] = max_iters
        options['default_hooks.logger.interval'] = max(
            1, min(cfg.default_hooks.logger.interval, max_iters // 20))
        return [
            self.configs[method], '--work-dir', work_dir, '--no-validate',
            *self._tool_args(options)
        ]

    def test_argv(self, method, test_set, checkpoint, work_dir):
        config = (self.external_configs[method] if test_set == 'external'
                  else self.configs[method])
        root = self.roots.get(test_set) or self.roots[
            'gband612' if test_set == 'internal' else 'qband119']
        workers = self.args.workers
        options = {
            'test_dataloader.dataset.data_root': root,
            'test_dataloader.dataset.ann_file': self.ann_files[test_set],
            'test_dataloader.num_workers': workers,
            'test_dataloader.persistent_workers': False,
        }
        return [
            config, checkpoint, '--work-dir', work_dir,
            *self._tool_args(options)
        ]

    def _settings(self):
        """What the table is about, read from the SCL config as trained."""
        argv = self.train_argv('scl', 0, '')
        cfg = Config.fromfile(self.configs['scl'])
        cfg.merge_from_dict(
            parse_options(argv[argv.index('--cfg-options') + 1:]))
        if self.args.input_size:
            set_input_size(cfg, self.args.input_size)
        backbone = cfg.model.backbone
        name = backbone.get('model_name') or (
            f"{backbone.type}-{backbone.get('depth', '')}".rstrip('-'))
        letterbox = next(t for t in cfg.train_dataloader.dataset.pipeline
                         if t['type'] == 'Letterbox')
        return dict(
            backbone=name,
            input_size=letterbox['scale'],
            scale_setting=(
                f"reference fraction {letterbox['reference_fraction']:g}"
                if letterbox.get('reference_fraction') else
                f"{letterbox['canvas_size']} px canvas"),
            max_iters=cfg.train_cfg.max_iters,
            # SCL's batch sampler sets B1 + B2 of every type itself.
            batch_size=(cfg.train_dataloader.batch_size
                        or 2 * len(CHROMOSOME_CATEGORIES)),
            lr=cfg.optim_wrapper.optimizer.lr,
            optimizer=cfg.optim_wrapper.optimizer.type,
            seeds=list(range(self.args.seeds)),
            subset=self.args.subset,
            cfg_options=list(self.args.cfg_options),
            configs={
                m: osp.relpath(c, REPO_ROOT)
                for m, c in self.configs.items() if m in self.args.methods
            },
            machine=machine_description(),
            date=datetime.datetime.now().strftime('%Y-%m-%d %H:%M'),
        )

    def run(self):
        """Run every (method, seed) pair, ``--jobs`` at a time, and write
        the table after each one."""
        queue = [(method, seed) for seed in range(self.args.seeds)
                 for method in METHODS if method in self.args.methods]
        running = []  # [(method, seed, stage, {name: ToolRun})]
        try:
            while queue or running:
                while queue and len(running) < self.args.jobs:
                    method, seed = queue.pop(0)
                    running.append(self._start_training(method, seed))
                time.sleep(0.5)
                for job in list(running):
                    method, seed, stage, runs = job
                    if any(run.poll() is None for run in runs.values()):
                        continue
                    running.remove(job)
                    for run in runs.values():
                        run.check()
                    if stage == 'train':
                        running.append(
                            self._start_tests(method, seed, runs['train']))
                    else:
                        self._collect(method, seed, runs)
                        self.write()
        finally:
            for _, _, _, runs in running:
                for run in runs.values():
                    run.terminate()

    def _run_dir(self, method, seed):
        return osp.join(self.args.work_dir, f'{method}_seed{seed}')

    def _start_training(self, method, seed):
        work_dir = self._run_dir(method, seed)
        if osp.isdir(work_dir):
            shutil.rmtree(work_dir)
        os.makedirs(work_dir)
        print(f'[{now()}] train {method} seed {seed}', flush=True)
        run = ToolRun(
            osp.join(TOOLS, 'train.py'),
            self.train_argv(method, seed, work_dir),
            osp.join(work_dir, 'train.log'), self.args.threads,
            self.args.fresh_processes)
        return (method, seed, 'train', {'train': run})

    def _start_tests(self, method, seed, train_run):
        work_dir = self._run_dir(method, seed)
        with open(osp.join(work_dir, 'last_checkpoint')) as f:
            checkpoint = f.read().strip()
        self.results[(method, seed)]['train'] = dict(
            seconds=round(train_run.seconds, 1), **step_times(work_dir))
        print(f'[{now()}] trained {method} seed {seed} in '
              f'{train_run.seconds:.0f} s; testing', flush=True)
        runs = {}
        for test_set in self.test_sets:
            test_dir = osp.join(work_dir, f'test_{test_set}')
            runs[test_set] = ToolRun(
                osp.join(TOOLS, 'test.py'),
                self.test_argv(method, test_set, checkpoint, test_dir),
                osp.join(work_dir, f'test_{test_set}.log'),
                self.args.threads, self.args.fresh_processes)
        return (method, seed, 'test', runs)

    def _collect(self, method, seed, runs):
        for test_set, run in runs.items():
            metrics = read_test_metrics(
                osp.join(self._run_dir(method, seed), f'test_{test_set}'))
            self.results[(method, seed)][test_set] = metrics
        internal = self.results[(method, seed)]['internal']['accuracy']
        external = self.results[(method, seed)]['external']['accuracy']
        print(f'[{now()}] {method} seed {seed}: accuracy internal '
              f'{internal:.2f}, external {external:.2f}', flush=True)

    def write(self):
        """Write real_data.md and real_data.json to ``--out``."""
        os.makedirs(self.args.out, exist_ok=True)
        done = {
            key: value
            for key, value in self.results.items()
            if all(test_set in value for test_set in self.test_sets)
        }
        table = format_report(done, self.settings, self.test_sets)
        with open(osp.join(self.args.out, 'real_data.md'), 'w') as f:
            f.write(table)
        runs = [
            dict(method=method, seed=seed, **value)
            for (method, seed), value in sorted(done.items())
        ]
        with open(osp.join(self.args.out, 'real_data.json'), 'w') as f:
            json.dump(dict(settings=self.settings, runs=runs), f, indent=1)
        return table


def now():
    return datetime.datetime.now().strftime('%H:%M:%S')


def machine_description():
    """CPU count and model, and the GPU if any (read with nvidia-smi, so
    that this process never initialises CUDA before forking)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            names = [
                line.split(':', 1)[1].strip() for line in f
                if line.startswith('model name')
            ]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    text = f'{os.cpu_count()} x {cpu}'
    if shutil.which('nvidia-smi'):
        result = subprocess.run(
            ['nvidia-smi', '--query-gpu=name', '--format=csv,noheader'],
            capture_output=True, text=True)
        gpus = [g for g in result.stdout.strip().splitlines() if g]
        if result.returncode == 0 and gpus:
            text += f', {len(gpus)} x {gpus[0]}'
    return text + f', torch {torch.__version__}'


def step_times(work_dir):
    """Median seconds per training step, and of it waiting for data, from
    the scalars MMEngine logged (the first log interval left out)."""
    paths = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not paths:
        return {}
    with open(paths[-1]) as f:
        logs = [json.loads(line) for line in f]
    logs = [log for log in logs if 'time' in log][1:]
    if not logs:
        return {}
    return dict(
        step_s=round(float(np.median([log['time'] for log in logs])), 4),
        data_s=round(float(np.median([log['data_time'] for log in logs])),
                     4))


def format_report(results, settings, test_sets=MAIN_TEST_SETS):
    """The markdown report of the finished runs.

    Args:
        results (dict): (method, seed) -> {'internal': metrics,
            'external': metrics, 'train': times}.
        settings (dict): What was run (see ``Benchmark._settings``).
        test_sets (Sequence[str]): The test sets: ``MAIN_TEST_SETS`` and
            the rescaled copies of the internal one.

    Returns:
        str: The report.
    """
    s = settings
    lines = [
        '## SCL vs baseline on real crops', '',
        f"- Train: gband612 train split; internal test: gband612 test "
        f"split (held-out cases); external test: qband119, all crops "
        f"(Q-band, inverted).",
        f"- {s['backbone']}, {s['input_size']} px input ({s['scale_setting']}"
        f"), {s['max_iters']} steps of {s['batch_size']}, "
        f"{s['optimizer']} lr {s['lr']:g}; configs "
        f"{', '.join(s['configs'].values())}"
        + (f"; options {' '.join(s['cfg_options'])}"
           if s['cfg_options'] else '') + '.',
        f"- {s['machine']}; {s['date']}.",
    ]
    if s['subset']:
        lines.append(f"- SUBSET of {s['subset']} crops per type and split: "
                     'a check of the pipeline, not a result.')
    seeds = {m: sorted(seed for (mm, seed) in results if mm == m)
             for m in METHODS}
    paired = sorted(set(seeds['scl']) & set(seeds['baseline']))
    lines.append(f"- Mean ± sample std over seeds {seeds['scl']} (SCL), "
                 f"{seeds['baseline']} (baseline); Δ paired by seed "
                 f'({paired}).')
    lines += ['']
    header = ['Method'] + [
        f'{test_set.capitalize()} {METRIC_LABELS[m]}'
        for test_set in MAIN_TEST_SETS for m in METRIC_LABELS
    ]
    lines += ['| ' + ' | '.join(header) + ' |',
              '|' + '---|' * len(header)]

    def values(method, test_set, metric, seed_list):
        return [results[(method, seed)][test_set][metric]
                for seed in seed_list]

    for method in METHODS:
        if not seeds[method]:
            continue
        cells = [
            mean_std(values(method, t, m, seeds[method]))
            for t in MAIN_TEST_SETS for m in METRIC_LABELS
        ]
        lines.append(f'| {METHOD_NAMES[method]} | ' + ' | '.join(cells) +
                     ' |')
    if paired:
        cells = [
            mean_std(
                np.subtract(values('scl', t, m, paired),
                            values('baseline', t, m, paired)),
                signed=True)
            for t in MAIN_TEST_SETS for m in METRIC_LABELS
        ]
        lines.append('| Δ SCL − baseline | ' + ' | '.join(cells) + ' |')

    rescaled = [t for t in test_sets if t not in MAIN_TEST_SETS]
    if rescaled:
        lines += [
            '', '### Internal test with its crops resized (another pixel '
            'scale)', '',
            '| Method | Internal Accuracy | ' + ' | '.join(
                f'{t.replace("internal_", "Internal ")} Accuracy'
                for t in rescaled) + ' |', '|---|---|' + '---|' * len(rescaled)
        ]
        for method in METHODS:
            if seeds[method]:
                cells = [
                    mean_std(values(method, t, 'accuracy', seeds[method]))
                    for t in ['internal', *rescaled]
                ]
                lines.append(f'| {METHOD_NAMES[method]} | ' +
                             ' | '.join(cells) + ' |')
        if paired:
            cells = [
                mean_std(
                    np.subtract(values('scl', t, 'accuracy', paired),
                                values('baseline', t, 'accuracy', paired)),
                    signed=True)
                for t in ['internal', *rescaled]
            ]
            lines.append('| Δ SCL − baseline | ' + ' | '.join(cells) + ' |')

    lines += ['', '### Recall per type (mean over seeds)', '',
              '| Type | ' + ' | '.join(
                  f'{METHOD_NAMES[m]} {t}' for t in MAIN_TEST_SETS
                  for m in METHODS if seeds[m]) + ' |']
    lines.append('|---|' + '---|' * sum(
        1 for t in MAIN_TEST_SETS for m in METHODS if seeds[m]))
    for name in CHROMOSOME_CATEGORIES:
        cells = []
        for t in MAIN_TEST_SETS:
            for m in METHODS:
                if seeds[m]:
                    recalls = [
                        results[(m, seed)][t].get(f'recall_{name}')
                        for seed in seeds[m]
                    ]
                    recalls = [r for r in recalls if r is not None]
                    cells.append(f'{np.mean(recalls):.1f}'
                                 if recalls else '-')
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')

    lines += ['', '### Runs', '',
              '| Method | Seed | Train s | s/step | data s/step | '
              'Internal Acc | External Acc |', '|---|---|---|---|---|---|---|']
    for (method, seed), value in sorted(results.items()):
        train = value.get('train', {})
        lines.append(
            f"| {METHOD_NAMES[method]} | {seed} | {train.get('seconds', '')}"
            f" | {train.get('step_s', '')} | {train.get('data_s', '')} | "
            f"{value['internal']['accuracy']:.2f} | "
            f"{value['external']['accuracy']:.2f} |")
    return '\n'.join(lines) + '\n'


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.work_dir, exist_ok=True)
    start = time.perf_counter()
    roots = prepare_data(args)
    benchmark = Benchmark(args, roots)
    print(f"[{now()}] {len(args.methods) * args.seeds} runs, {args.jobs} at a "
          f"time, {args.threads} threads and {args.workers} dataloader "
          "workers each; logs in "
          f"{args.work_dir}", flush=True)
    benchmark.run()
    table = benchmark.write()
    print(table)
    print(f'Wrote {osp.join(args.out, "real_data.md")} and real_data.json '
          f'in {time.perf_counter() - start:.0f} s.')


if __name__ == '__main__':
    main()
