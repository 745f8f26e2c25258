"""One setting for the length of an iteration-based training.

``--cfg-options train_cfg.max_iters=600`` shortens the loop but leaves the
warm-ups and the decay where the config put them (a cosine decay to 2000
steps, stopped at 600, never decays); :func:`set_max_iters` rescales every
iteration count of the schedule with it.
"""
from mmengine.config import Config


def set_max_iters(cfg: Config, max_iters: int) -> None:
    """Set ``train_cfg.max_iters`` and rescale, in place and in proportion,
    every iteration count of the schedule: ``train_cfg.val_interval``, the
    ``begin`` and ``end`` of every ``param_scheduler`` and the
    ``warmup_iters`` of every custom hook (e.g. ``CEWarmupHook``).

    A rescaled count is rounded. Scheduler boundaries keep their order: one
    that ended where another began still does, and distinct boundaries
    stay at least a step apart, so every scheduler keeps a step and none
    overlaps. A validation interval stays at least one.

    Args:
        cfg (Config): A config with an iteration-based ``train_cfg``.
        max_iters (int): The new number of training steps.
    """
    if not (isinstance(max_iters, int) and max_iters > 0):
        raise ValueError(
            f'max_iters must be a positive int, got {max_iters!r}')
    if cfg.get('train_cfg', {}).get('max_iters') is None:
        raise ValueError(f'{cfg.filename}: train_cfg has no max_iters (an '
                         'epoch-based loop?), so there is nothing to rescale.')
    factor = max_iters / cfg.train_cfg.max_iters
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    for i, scheduler in enumerate(schedulers):
        if scheduler.get('by_epoch', True):
            raise ValueError(
                f'{cfg.filename}: param_scheduler {i} ({scheduler["type"]}) '
                'counts epochs; max_iters rescales iterations.')
    rescaled = _rescale_boundaries(
        {s.get('begin', 0) for s in schedulers}
        | {s.end for s in schedulers if s.get('end') is not None}, factor)
    for scheduler in schedulers:
        scheduler.begin = rescaled[scheduler.get('begin', 0)]
        if scheduler.get('end') is not None:
            scheduler.end = rescaled[scheduler.end]
    for hook in cfg.get('custom_hooks') or []:
        if hook.get('warmup_iters') is not None:
            hook.warmup_iters = round(hook.warmup_iters * factor)
    if cfg.train_cfg.get('val_interval') is not None:
        cfg.train_cfg.val_interval = max(
            1, round(cfg.train_cfg.val_interval * factor))
    cfg.train_cfg.max_iters = max_iters


def _rescale_boundaries(boundaries: set, factor: float) -> dict:
    """Map each iteration boundary to ``round(boundary * factor)``, raised
    where needed to one step past the next smaller boundary."""
    rescaled = {}
    previous = None
    for boundary in sorted(boundaries):
        new = round(boundary * factor)
        if previous is not None:
            new = max(new, previous + 1)
        rescaled[boundary] = previous = new
    return rescaled
