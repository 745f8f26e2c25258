"""Runs of the scripts of ``tools/`` side by side, as a benchmark starts
them: forked from the benchmark's process, which has imported mmscl
already, or in a new interpreter, each with its share of the cores."""
import datetime
import multiprocessing
import multiprocessing.forkserver
import os
import os.path as osp
import platform
import runpy
import shutil
import subprocess
import sys
import time

import torch

from benchmarks import REPO_ROOT

TOOLS = osp.join(REPO_ROOT, 'tools')


def _run_script(script, argv, log_file, threads):
    """Run ``script`` as ``__main__`` with ``argv`` and ``threads`` torch
    threads, output to ``log_file`` (the target of a forked process)."""
    torch.set_num_threads(threads)
    # A fork server the benchmark's process started is not this process's
    # child, and multiprocessing (Python 3.11) fails on it with
    # ChildProcessError: the tool's pools start their own.
    multiprocessing.forkserver._forkserver.__init__()
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
    # Configs of benchmarks/configs/ import benchmarks.lab_shift_transforms.
    if REPO_ROOT not in sys.path:
        sys.path.insert(0, REPO_ROOT)
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
            # The root on the path, as _run_script puts it.
            python_path = os.pathsep.join(
                filter(None, [REPO_ROOT, os.environ.get('PYTHONPATH')]))
            with open(log_file, 'w') as log:
                self.process = subprocess.Popen(
                    [sys.executable, script, *argv],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=REPO_ROOT,
                    env=dict(os.environ, OMP_NUM_THREADS=str(threads),
                             PYTHONPATH=python_path))
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


def now():
    """The time of day, for progress lines."""
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
