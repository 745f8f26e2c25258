"""The settings a run takes on top of its config, in one order."""
from typing import Optional

from mmengine.config import Config

from .input_size import set_input_size
from .schedule import set_max_iters


def apply_run_options(cfg: Config,
                      cfg_options: Optional[dict] = None,
                      input_size: Optional[int] = None,
                      max_iters: Optional[int] = None) -> None:
    """Apply the command-line settings of ``tools/train.py`` and
    ``tools/test.py`` to a config, in place and in their order:
    ``--cfg-options`` first, then ``--input-size`` (every ``Letterbox``,
    :func:`set_input_size`), then ``--max-iters`` (the whole schedule,
    :func:`set_max_iters`, from the length the options left).

    Args:
        cfg (Config): The config.
        cfg_options (dict, optional): Overrides, as ``--cfg-options``.
        input_size (int, optional): Side of the model input.
        max_iters (int, optional): Training steps.
    """
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if input_size is not None:
        set_input_size(cfg, input_size)
    if max_iters is not None:
        set_max_iters(cfg, max_iters)
