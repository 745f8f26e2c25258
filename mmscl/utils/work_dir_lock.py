"""One training at a time in a work dir.

Two trainings started into one work dir both run to the end, and leave the
checkpoints of one and the dumped config of the other. :func:`lock_work_dir`
takes an exclusive ``flock`` on ``<work_dir>/train.lock``, which the
kernel releases when the process ends however it ends, and writes the PID
into the file (emptied when the run ends, killed runs aside): a second
live run is refused naming that PID, and the lock of a killed run (its PID
still in the file, the flock gone) is taken over with a message. In a
distributed launch the first process (rank 0) holds the lock for all.
"""
import fcntl
import os
import os.path as osp
import socket
from contextlib import contextmanager
from typing import IO, Iterator, Optional

from mmengine.logging import print_log

LOCK_FILE = 'train.lock'
# Where the launchers MMEngine supports put the global rank, which MMEngine
# itself reads only later, when the runner starts.
RANK_VARIABLES = ('RANK', 'SLURM_PROCID', 'OMPI_COMM_WORLD_RANK')


@contextmanager
def lock_work_dir(work_dir: str) -> Iterator[Optional[IO]]:
    """Lock ``work_dir`` for the ``with`` block (a run).

    Args:
        work_dir (str): The work dir of the run (created if missing).

    Yields:
        The open lock file, or None in a process of rank above 0 (which
        takes no lock).

    Raises:
        RuntimeError: If another live process holds the lock, naming its
            PID and host.
    """
    if any(int(os.environ.get(name, 0)) > 0 for name in RANK_VARIABLES):
        yield None
        return
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, LOCK_FILE)
    lock = open(path, 'a+')
    lock.seek(0)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = lock.read().strip() or 'unknown'
        lock.close()
        raise RuntimeError(
            f'{work_dir} is in use by another training (PID {holder}, '
            f'lock {path}): two runs in one work dir mix their checkpoints '
            'and configs. Wait for it, stop it, or give another --work-dir.'
        ) from None
    previous = lock.read().strip()
    if previous:
        print_log(
            f'{path}: taking over the lock of PID {previous}, which is no '
            'longer running (killed, or its machine went down).',
            logger='current', level=30)
    lock.seek(0)
    lock.truncate()
    lock.write(f'{os.getpid()} on {socket.gethostname()}\n')
    lock.flush()
    try:
        yield lock
    finally:
        # The run ended (an error is an end too): the next one takes the
        # lock without a message.
        lock.truncate(0)
        lock.close()
