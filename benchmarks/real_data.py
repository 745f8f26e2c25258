"""SCL against the baseline on real crops, as in Table 1 of the paper.

Trains the SCL config and its baseline (same backbone, input, steps and
seed; no contrastive loss, shuffled batches) on gband612's train split for
every seed, tests both on the test sets of ``--test-sets`` and writes a
markdown table of Accuracy / Recall / AUC, mean +- std over seeds, with the
deltas paired by seed. The test sets are gband612's held-out cells
(internal) and qband119 (external: another lab, Q-band, inverted) by
default; settings are chosen on gband612's validation split
(``--test-sets validation``), and the test sets are for the settings
chosen.

Every step is a run of ``tools/train.py`` or ``tools/test.py`` (the paths
users run), by default in a process forked from this one, which has
imported mmscl already (``--fresh-processes`` starts each in a new
interpreter instead). The data is prepared first: the tarballs of
``<repo>/../shared/data`` are extracted into ``--data-dir`` (unless already
there) and the converters write the annotation CSVs (unless present).

Examples:
    # CPU check: 1 seed, 300 steps at 64 px, 1 tool at a time
    python -m benchmarks.real_data --seeds 1 --max-iters 300 \\
        --input-size 64 --out work_dirs/real_data
    # A setting of a sweep, judged on the validation split only
    python -m benchmarks.real_data --methods scl --test-sets validation \\
        --cfg-options model.head.contrastive_loss.loss_weight=0.5
    # One GPU, 16 cores: 3 seeds x 2 configs, 3 tools at a time
    python -m benchmarks.real_data --seeds 3 --jobs 3 --workers 4 \\
        --out $OUT
    # Another backbone through the configs' options
    python -m benchmarks.real_data --cfg-options model.backbone.depth=34
    # The trained runs of a work dir also tested with --adapt (plain
    # AdaBN and two shift scales), 2 tests at a time
    python -m benchmarks.real_data --test-only --adapt 0 0.5 2 --jobs 2 \\
        --test-sets validation external --work-dir work_dirs/real_data
    # Seeds 1-2 added to a work dir trained with --seeds 1 (or an
    # interrupted benchmark finished): seed 0 is only tested where needed
    python -m benchmarks.real_data --continue --seeds 3 \\
        --work-dir work_dirs/real_data
    # Every test also scored with the autosomes balanced over its set
    python -m benchmarks.real_data --test-only --tta --balance-types \\
        --test-sets external external_no_ids --work-dir work_dirs/real_data
    # The report again, from the runs of a work dir (same options)
    python -m benchmarks.real_data --report-only --max-iters 300 \\
        --input-size 64 --work-dir work_dirs/real_data
"""
import argparse
import json
import os
import os.path as osp
import shutil
import time
from collections import defaultdict

from mmengine.config import Config, DictAction

import mmscl  # noqa: F401  (imported once here, forked by every run)
from benchmarks import add_config_arguments
from benchmarks.real_data_report import (DEFAULT_METHODS, METHODS,
                                         describe_runs, format_report)
from benchmarks.real_data_sets import (COPY_SOURCE, DEFAULT_TEST_SETS,
                                       TEST_SPLITS, TRAIN_SPLIT, adapted_name,
                                       balanced_name, prepare_data,
                                       rescaled_name, rotated_name,
                                       split_adapted_name,
                                       split_balanced_name, split_tta_name,
                                       tta_name,
                                       used_splits, write_rescaled_copy,
                                       write_rotated_copy, write_subset,
                                       write_without_ids)
from benchmarks.reports import (balanced_metrics, read_step_times,
                                read_test_metrics)
from benchmarks.tool_run import REPO_ROOT, TOOLS, ToolRun, now
from mmscl.utils import apply_run_options, checkpoint_fault, load_json

# The scores every test dumps with --balance-types, in its work dir.
SCORES_FILE = 'scores.pkl'


def _add_what_to_run(parser):
    """The options of what is trained and tested."""
    add_config_arguments(parser, 'resnet18_gband612')
    for model in METHODS[len(DEFAULT_METHODS):]:
        parser.add_argument(
            f'--{model}-config',
            default=osp.join(REPO_ROOT, f'configs/comparison/{model}_'
                             'gband612.py'))
    parser.add_argument(
        '--external-suffix',
        default='_qband119',
        help='the external test config of CONFIG.py is CONFIGSUFFIX.py '
        '(default: _qband119)')
    parser.add_argument(
        '--methods',
        nargs='+',
        choices=METHODS,
        default=list(DEFAULT_METHODS),
        help='train and test only these (default: baseline scl), e.g. a '
        'variant of the baseline given by --baseline-config, or the '
        "paper's Table 2 models (varifocal-net, hr-net)")
    parser.add_argument(
        '--test-sets',
        nargs='+',
        choices=list(TEST_SPLITS),
        default=list(DEFAULT_TEST_SETS),
        help='test on these (default: '
        f'{" ".join(DEFAULT_TEST_SETS)}), settings chosen on validation '
        'only. ' + '; '.join(split.description
                             for split in TEST_SPLITS.values()))
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
        help=f'also test on copies of the {COPY_SOURCE} test set whose '
        'crops are resized by these factors, as crops of labs that image at '
        f'another pixel scale (default: 0.7 1.7 when {COPY_SOURCE} is '
        'a test set, else none; none: no such tests)')
    parser.add_argument(
        '--rotated',
        type=float,
        nargs='+',
        default=[],
        metavar='DEGREES',
        help=f'also test on copies of the {COPY_SOURCE} test set whose '
        'crops are rotated clockwise by these angles, as crops of labs that '
        'crop chromosomes leaning (default: none)')
    parser.add_argument(
        '--adapt',
        type=float,
        nargs='+',
        default=[],
        metavar='SHIFT_SCALE',
        help='also test every test set with tools/test.py --adapt '
        '--adapt-shift-scale SHIFT_SCALE, for each value given (0: plain '
        'AdaBN)')
    parser.add_argument(
        '--tta',
        action='store_true',
        help='also test every test set with tools/test.py --tta (scores '
        'averaged over views at scales around the reference length); '
        'with --adapt, both ways')
    parser.add_argument(
        '--balance-types',
        action='store_true',
        help='also report every test with the autosomes balanced over the '
        'test set, as tools/test.py --balance-types scores them (from the '
        "scores the test dumps with --out: no second pass)")
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


def _add_how_to_run(parser):
    """The options of where and how the runs run, and what to do."""
    parser.add_argument(
        '--jobs',
        type=int,
        default=1,
        help='tools (trainings and tests) running at a time (default: 1)')
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
        '--report-only',
        action='store_true',
        help='train and test nothing: write the report of the runs in '
        'WORK_DIR tested on every test set (their training times from the '
        "report in OUT, if any, else from the runs' logs)")
    parser.add_argument(
        '--test-only',
        action='store_true',
        help='train nothing: test the trained runs in WORK_DIR on the test '
        'sets they were not tested on yet (JOBS tests at a time), then '
        'write the report')
    parser.add_argument(
        '--continue',
        dest='keep_trained',
        action='store_true',
        help='keep the runs in WORK_DIR that finished training (a whole '
        'checkpoint of the last step): train only the others, then test '
        'every run on the test sets it was not tested on yet, e.g. after an '
        'interrupted benchmark, or to add seeds to one')
    parser.add_argument(
        '--fresh-processes',
        action='store_true',
        help='start every run in a new interpreter instead of forking')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog='python -m benchmarks.real_data',
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.splitlines()[2:]))
    _add_what_to_run(parser)
    _add_how_to_run(parser)
    args = parser.parse_args(argv)
    minimums = dict(seeds=1, jobs=1, max_iters=1, input_size=1, subset=1,
                    workers=0, threads=1)
    for name, minimum in minimums.items():
        value = getattr(args, name)
        if value is not None and value < minimum:
            parser.error(f'--{name.replace("_", "-")} must be at least '
                         f'{minimum}, got {value}')
    if args.report_only + args.test_only + args.keep_trained > 1:
        parser.error('give one of --report-only, --test-only and --continue.')
    if any(scale < 0 for scale in args.adapt):
        parser.error(f'--adapt shift scales must be at least 0, got '
                     f'{args.adapt}')
    args.test_sets = list(dict.fromkeys(args.test_sets))
    if args.rescaled is None:
        args.rescaled = ([0.7, 1.7] if COPY_SOURCE in args.test_sets else [])
    # A sweep on the validation split sees no test crop.
    for option in ('rescaled', 'rotated'):
        if getattr(args, option) and COPY_SOURCE not in args.test_sets:
            parser.error(f'--{option} tests on copies of the {COPY_SOURCE} '
                         f'test set: add {COPY_SOURCE} to --test-sets.')
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


def parse_options(options):
    """``key=value`` strings into the dict ``--cfg-options`` makes."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--options', nargs='+', action=DictAction)
    return parser.parse_args(['--options', *options]).options


def format_options(options):
    """A dict of options into ``key=value`` strings."""
    return [f'{key}={value}' for key, value in options.items()]


class Benchmark:
    """The runs of one benchmark: configs, options and results.

    Args:
        args (argparse.Namespace): The command line.
        roots (dict[str, str]): The data root of each set.
    """

    def __init__(self, args, roots):
        self.args = args
        self.methods = [m for m in METHODS if m in args.methods]
        self.configs = {
            method: osp.abspath(getattr(args, method.replace('-', '_') +
                                        '_config'))
            for method in METHODS
        }
        self.external_configs = {
            method: config[:-len('.py')] + args.external_suffix + '.py'
            for method, config in self.configs.items()
        }
        external = any(TEST_SPLITS[t].external for t in args.test_sets)
        for method in self.methods:
            for path in [self.configs[method]] + (
                    [self.external_configs[method]] if external else []):
                if not osp.isfile(path):
                    raise FileNotFoundError(f'Config not found: {path}')
        self.roots = dict(roots)
        self.ann_files = self._ann_files()
        self.test_sets = list(args.test_sets)
        copies = [(rescaled_name(factor), write_rescaled_copy, factor)
                  for factor in args.rescaled]
        copies += [(rotated_name(angle), write_rotated_copy, angle)
                   for angle in args.rotated]
        for name, write_copy, change in copies:
            self.roots[name] = osp.join(args.work_dir, 'data', name)
            self.ann_files[name] = write_copy(
                self.roots[TEST_SPLITS[COPY_SOURCE].dataset],
                self.ann_files[COPY_SOURCE], change, self.roots[name])
            self.test_sets.append(name)
        if args.tta:
            self.test_sets += [tta_name(t) for t in self.test_sets]
        self.test_sets += [
            adapted_name(test_set, scale) for test_set in self.test_sets
            for scale in dict.fromkeys(args.adapt)
        ]
        # The tests tools/test.py runs; the balanced ones are their scores.
        self.tool_tests = list(self.test_sets)
        if args.balance_types:
            self.test_sets += [balanced_name(t) for t in self.tool_tests]
        self.results = defaultdict(dict)  # (method, seed) -> results
        self.settings = self._settings()

    def _ann_files(self):
        """The CSV of each split used, or of its subset."""
        files = {
            name: osp.join(self.roots[split.dataset], split.ann_file)
            for name, split in used_splits(
                self.args.test_sets,
                bool(self.args.rescaled or self.args.rotated)).items()
        }
        if self.args.subset:
            folder = osp.join(self.args.work_dir, 'subset')
            os.makedirs(folder, exist_ok=True)
            files = {
                split: write_subset(path, osp.join(folder, f'{split}.csv'),
                                    self.args.subset)
                for split, path in files.items()
            }
        folder = osp.join(self.args.work_dir, 'without_ids')
        for name, split in TEST_SPLITS.items():
            if name in files and split.without_ids:
                os.makedirs(folder, exist_ok=True)
                files[name] = write_without_ids(
                    files[name], osp.join(folder, f'{name}.csv'))
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
        """The arguments of ``tools/train.py`` for a run."""
        cfg = Config.fromfile(self.configs[method])
        max_iters = self.args.max_iters or cfg.train_cfg.max_iters
        workers = self.args.workers
        options = {
            'randomness.seed': seed,
            'train_dataloader.dataset.data_root':
            self.roots[TRAIN_SPLIT.dataset],
            'train_dataloader.dataset.ann_file': self.ann_files['train'],
            'train_dataloader.num_workers': workers,
            'train_dataloader.persistent_workers': workers > 0,
            # One checkpoint, the last: the model that is tested.
            'default_hooks.checkpoint.interval': max_iters,
            'default_hooks.logger.interval': max(
                1, min(cfg.default_hooks.logger.interval, max_iters // 20)),
        }
        steps = ['--max-iters', str(max_iters)] if self.args.max_iters else []
        return [
            self.configs[method], '--work-dir', work_dir, '--no-validate',
            *steps, *self._tool_args(options)
        ]

    def test_argv(self, method, test_set, checkpoint, work_dir):
        """The arguments of ``tools/test.py`` for a test of a run."""
        test_set, shift_scale = split_adapted_name(test_set)
        test_set, tta = split_tta_name(test_set)
        adapt = ([] if shift_scale is None else
                 ['--adapt', '--adapt-shift-scale', f'{shift_scale:g}'])
        adapt += ['--tta'] if tta else []
        split = TEST_SPLITS.get(test_set, TEST_SPLITS[COPY_SOURCE])
        config = (self.external_configs if split.external else
                  self.configs)[method]
        workers = self.args.workers
        options = {
            'test_dataloader.dataset.data_root':
            self.roots.get(test_set) or self.roots[split.dataset],
            'test_dataloader.dataset.ann_file': self.ann_files[test_set],
            'test_dataloader.num_workers': workers,
            'test_dataloader.persistent_workers': False,
        }
        out = (['--out', osp.join(work_dir, SCORES_FILE)]
               if self.args.balance_types else [])
        return [
            config, checkpoint, '--work-dir', work_dir, *adapt, *out,
            *self._tool_args(options)
        ]

    def trained_config(self, method):
        """The config of a method as ``tools/train.py`` trains it."""
        argv = self.train_argv(method, 0, '')
        cfg = Config.fromfile(self.configs[method])
        apply_run_options(
            cfg, parse_options(argv[argv.index('--cfg-options') + 1:]),
            self.args.input_size, self.args.max_iters)
        return cfg

    def _settings(self):
        """What the table is about (see :func:`describe_runs`)."""
        return describe_runs(
            {m: self.trained_config(m) for m in self.methods},
            {m: self.configs[m] for m in self.methods}, self.test_sets,
            self.args)

    def run(self):
        """Train every (method, seed) run (with ``--continue`` only those
        that did not finish training) and test each trained run on the
        test sets it lacks."""
        runs = [(method, seed) for seed in range(self.args.seeds)
                for method in self.methods]
        kept = self.finished_runs() if self.args.keep_trained else []
        queue = self._tests_of(kept)
        queue += [('train', method, seed) for method, seed in runs
                  if (method, seed) not in kept]
        self._run_jobs(queue)

    def finished_runs(self):
        """The (method, seed) runs in the work dir that finished training:
        a whole checkpoint of their last step, and ``last_checkpoint``."""
        finished = []
        for method in self.methods:
            max_iters = self.trained_config(method).train_cfg.max_iters
            for seed in range(self.args.seeds):
                work_dir = self._run_dir(method, seed)
                checkpoint = osp.join(work_dir, f'iter_{max_iters}.pth')
                if osp.isfile(osp.join(work_dir, 'last_checkpoint')) and \
                        osp.isfile(checkpoint) and \
                        checkpoint_fault(checkpoint) is None:
                    self._check_config_of(method, seed)
                    finished.append((method, seed))
        return finished

    def test_untested(self):
        """Test every trained run in the work dir on the test sets it
        lacks (a test that left no metrics, or with ``--balance-types`` no
        scores, is run again)."""
        trained = []
        for method in self.methods:
            for seed in range(self.args.seeds):
                checkpoint_file = osp.join(self._run_dir(method, seed),
                                           'last_checkpoint')
                if osp.isfile(checkpoint_file):
                    self._check_config_of(method, seed)
                    trained.append((method, seed))
                else:
                    print(f'[{now()}] {method} seed {seed}: not trained '
                          f'({checkpoint_file} missing); left out',
                          flush=True)
        self._run_jobs(self._tests_of(trained))

    def _run_jobs(self, queue):
        """Run ``queue``'s jobs, ``--jobs`` tools at a time: a training
        ``('train', method, seed)`` queues its run's tests first when it
        ends, a test ``('test', method, seed, test_set)`` writes the report
        when it is the last of its run's."""
        print(f'[{now()}] {len(queue)} jobs, {self.args.jobs} at a time',
              flush=True)
        running = []  # [(job, ToolRun)]
        failure = None
        try:
            while (queue and not failure) or running:
                while queue and not failure and \
                        len(running) < self.args.jobs:
                    job = queue.pop(0)
                    start = (self._start_training
                             if job[0] == 'train' else self._start_test)
                    running.append((job, start(*job[1:])))
                time.sleep(0.5)
                for job, tool_run in list(running):
                    if tool_run.poll() is None:
                        continue
                    running.remove((job, tool_run))
                    try:
                        tool_run.check()
                    except RuntimeError as error:
                        # The tools already going are let finish (a
                        # training may be nearly done): none is lost.
                        failure = failure or error
                        print(f'[{now()}] failed: {job}; no job is '
                              f'started after it, the {len(running)} '
                              'running are let finish (--continue does '
                              'the rest)', flush=True)
                        continue
                    kind, method, seed = job[:3]
                    if kind == 'train':
                        queue[:0] = self._trained(method, seed, tool_run)
                    elif not failure and all(
                            other[1:3] != (method, seed)
                            for other in queue + [j for j, _ in running]):
                        self._collect(method, seed)
                        self.write()
        finally:
            for _, tool_run in running:
                tool_run.terminate()
        if failure:
            raise failure

    def _tests_of(self, trained):
        """The tests the trained (method, seed) runs lack, as jobs of
        :meth:`_run_jobs`; the runs that lack none are read at once."""
        jobs = []
        for method, seed in trained:
            tests = self._test_jobs(method, seed)
            if tests:
                jobs += tests
            else:
                self._collect_tested(method, seed)
        return jobs

    def _test_jobs(self, method, seed):
        """The tests a run lacks, as jobs of :meth:`_run_jobs`."""
        return [('test', method, seed, test_set)
                for test_set in self.tool_tests
                if not self._tested(method, seed, test_set)]

    def _tested(self, method, seed, test_set):
        """Whether a run's test on ``test_set`` left its metrics (and,
        with ``--balance-types``, its scores)."""
        test_dir = self._test_dir(method, seed, test_set)
        if self.args.balance_types and not osp.isfile(
                osp.join(test_dir, SCORES_FILE)):
            return False
        try:
            read_test_metrics(test_dir)
        except (FileNotFoundError, ValueError, KeyError):
            return False
        return True

    def keep_report_train_times(self):
        """Keep the training times of the runs of the report in ``--out``,
        if any, before a new report replaces it (a run trained again gets
        its new times)."""
        report = osp.join(self.args.out, 'real_data.json')
        if osp.isfile(report):
            report = load_json(report, 'Remove it to read the training '
                               "times from the runs' logs.")
            for run in report['runs'] + report.get('untested_runs', []):
                if run.get('train'):
                    self.results[(run['method'],
                                  run['seed'])]['train'] = run['train']

    def read_finished_runs(self):
        """Read the results of the runs in the work dir that were tested
        on every test set; say what each other run lacks."""
        for method in self.methods:
            for seed in range(self.args.seeds):
                untested = [t for t in self.tool_tests
                            if not self._tested(method, seed, t)]
                if untested:
                    print(f'[{now()}] {method} seed {seed}: not tested on '
                          f"{', '.join(untested)}; left out", flush=True)
                else:
                    self._check_config_of(method, seed)
                    self._collect_tested(method, seed)

    def _check_config_of(self, method, seed):
        """Refuse a run of the work dir that was trained with another
        config than the method's (the config ``tools/train.py`` dumped
        into the run's folder names it)."""
        run_dir = self._run_dir(method, seed)
        config = osp.basename(self.configs[method])
        dumped = sorted(name for name in os.listdir(run_dir)
                        if name.endswith('.py'))
        if dumped and config not in dumped:
            raise ValueError(
                f'{run_dir} was trained with {", ".join(dumped)}, not '
                f'{config} (--{method}-config): give that config, or '
                'another --work-dir.')

    def _collect_tested(self, method, seed):
        """Read the results of a run tested on every test set, its
        training times those known, else those of its logs."""
        results = self.results[(method, seed)]
        results['train'] = (results.get('train')
                            or read_step_times(self._run_dir(method, seed)))
        self._collect(method, seed)

    def _run_dir(self, method, seed):
        return osp.join(self.args.work_dir, f'{method}_seed{seed}')

    def _test_dir(self, method, seed, test_set):
        return osp.join(self._run_dir(method, seed), f'test_{test_set}')

    def _start_training(self, method, seed):
        work_dir = self._run_dir(method, seed)
        if osp.isdir(work_dir):
            shutil.rmtree(work_dir)
        os.makedirs(work_dir)
        print(f'[{now()}] train {method} seed {seed}', flush=True)
        return ToolRun(
            osp.join(TOOLS, 'train.py'),
            self.train_argv(method, seed, work_dir),
            osp.join(work_dir, 'train.log'), self.args.threads,
            self.args.fresh_processes)

    def _trained(self, method, seed, train_run):
        """Record a finished training's times; its tests, as jobs."""
        self.results[(method, seed)]['train'] = dict(
            seconds=round(train_run.seconds, 1),
            **read_step_times(self._run_dir(method, seed)))
        print(f'[{now()}] trained {method} seed {seed} in '
              f'{train_run.seconds:.0f} s; testing', flush=True)
        return self._test_jobs(method, seed)

    def _start_test(self, method, seed, test_set):
        test_dir = self._test_dir(method, seed, test_set)
        if osp.isdir(test_dir):
            shutil.rmtree(test_dir)
        with open(osp.join(self._run_dir(method, seed),
                           'last_checkpoint')) as f:
            checkpoint = f.read().strip()
        return ToolRun(
            osp.join(TOOLS, 'test.py'),
            self.test_argv(method, test_set, checkpoint, test_dir),
            test_dir + '.log', self.args.threads, self.args.fresh_processes)

    def _collect(self, method, seed):
        """Read the test metrics of a run."""
        results = self.results[(method, seed)]
        for test_set in self.test_sets:
            tested, balanced = split_balanced_name(test_set)
            test_dir = self._test_dir(method, seed, tested)
            results[test_set] = (
                balanced_metrics(osp.join(test_dir, SCORES_FILE))
                if balanced else read_test_metrics(test_dir))
        print(f'[{now()}] {method} seed {seed}: accuracy ' + ', '.join(
            f"{t} {results[t]['accuracy']:.2f}" for t in self.test_sets),
              flush=True)

    def write(self):
        """Write real_data.md (the tables of the runs tested on every test
        set) and real_data.json (their metrics and training times, and the
        training times of the runs not tested in full yet) to ``--out``."""
        os.makedirs(self.args.out, exist_ok=True)
        done = {
            key: value
            for key, value in self.results.items()
            if all(test_set in value for test_set in self.test_sets)
        }
        table = format_report(done, self.settings)
        with open(osp.join(self.args.out, 'real_data.md'), 'w') as f:
            f.write(table)
        runs = [
            dict(method=method, seed=seed, **value)
            for (method, seed), value in sorted(done.items())
        ]
        # Trained runs whose tests are not all done yet keep their training
        # times here, for the next report (e.g. after a failed test).
        untested_runs = [
            dict(method=method, seed=seed, train=value['train'])
            for (method, seed), value in sorted(self.results.items())
            if (method, seed) not in done and value.get('train')
        ]
        with open(osp.join(self.args.out, 'real_data.json'), 'w') as f:
            json.dump(dict(settings=self.settings, runs=runs,
                           untested_runs=untested_runs), f, indent=1)
        return table


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.work_dir, exist_ok=True)
    start = time.perf_counter()
    benchmark = Benchmark(args, prepare_data(args))
    if args.report_only or args.test_only or args.keep_trained:
        benchmark.keep_report_train_times()
    if args.report_only:
        benchmark.read_finished_runs()
    elif args.test_only:
        benchmark.test_untested()
    else:
        print(f'[{now()}] {len(args.methods) * args.seeds} runs'
              + (' (those that finished training kept)'
                 if args.keep_trained else '') + ', '
              f'{args.jobs} at a time, {args.threads} threads and '
              f'{args.workers} dataloader workers each; testing on '
              f"{', '.join(benchmark.test_sets)}; logs in {args.work_dir}",
              flush=True)
        benchmark.run()
    table = benchmark.write()
    print(table)
    print(f'Wrote {osp.join(args.out, "real_data.md")} and real_data.json '
          f'in {time.perf_counter() - start:.0f} s.')


if __name__ == '__main__':
    main()
