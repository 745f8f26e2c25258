"""Mapping a function over items in worker processes, for the work that
runs before training (image checks, length measurement, synthetic cells).

The workers are started by a fork server, not forked: a fork of a process
running threads (torch's, tqdm's monitor) can deadlock in the child.
"""
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterable, Optional, Sequence


def map_in_processes(function: Callable,
                     items: Sequence,
                     workers: int,
                     chunksize: int = 1,
                     progress: Callable[[Iterable], Iterable] = iter,
                     initializer: Optional[Callable] = None,
                     initargs: tuple = ()) -> list:
    """``function(item)`` for every item, in order, in ``workers``
    processes.

    A worker that dies (its traceback is printed by the worker) stops the
    map with an error rather than a pool that starts it again for ever:
    most often the calling script runs its work at import, which Python's
    multiprocessing does again in each worker.

    Args:
        function (Callable): A picklable function of an item; its module is
            imported once by the fork server, not by every worker.
        items (Sequence): The items.
        workers (int): Processes, at least 2.
        chunksize (int): Items sent to a worker at once. Defaults to 1.
        progress (Callable): Wraps the iterator of results, e.g. a
            ``tqdm`` with its total. Defaults to no wrapping.
        initializer (Callable, optional): Run by each worker as it starts.
        initargs (tuple): Arguments of ``initializer``.

    Returns:
        list: The result for each item.
    """
    context = multiprocessing.get_context('forkserver')
    context.set_forkserver_preload([function.__module__])
    try:
        with ProcessPoolExecutor(
                workers, mp_context=context, initializer=initializer,
                initargs=initargs) as executor:
            try:
                results = executor.map(function, items, chunksize=chunksize)
            except (OSError, EOFError) as error:
                # Submitting starts the workers one at a time. When one
                # dies meanwhile, the pool closes the pipes that the next
                # would inherit, and starting that one fails with these
                # errors rather than with BrokenProcessPool.
                raise BrokenProcessPool(
                    f'the next worker could not be started: {error!r}'
                ) from error
            return list(progress(results))
    except BrokenProcessPool as error:
        raise RuntimeError(
            f'A worker process of {function!r} stopped before it finished '
            f'({error}). Its own error is printed above. If that error says '
            'that a new process was started "before the current process '
            'has finished its bootstrapping phase", your script does its '
            "work when it is imported: put that work under if __name__ == "
            "'__main__': (each worker imports the script again), or use 1 "
            'worker.') from None
