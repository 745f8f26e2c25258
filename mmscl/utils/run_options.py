"""The settings a run takes on top of its config, in one order."""
import difflib
import inspect
import keyword
from typing import Optional

from mmengine.config import Config
from mmengine.runner import Runner

from .input_size import set_input_size
from .schedule import set_max_iters

# Top-level settings MMEngine's Runner reads, which a config may leave out:
# its arguments, and what Runner.from_cfg and the tools read besides.
RUNNER_SETTINGS = sorted(
    set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'}
    | {'compile', 'runner_type'})


def check_cfg_options(cfg: Config, cfg_options: dict) -> None:
    """Refuse ``--cfg-options`` keys that cannot be meant: a top-level key
    that neither the config nor MMEngine's Runner has (a typo such as
    ``randomnes.seed=1`` would be silently ignored), and a key holding a
    Python keyword (``model.head.lambda=1``: no module takes it, and the
    config could no longer be dumped).

    Args:
        cfg (Config): The config.
        cfg_options (dict): The overrides, by dotted key.

    Raises:
        ValueError: Naming the key, and the closest known one.
    """
    known = sorted(set(cfg.keys()) | set(RUNNER_SETTINGS))
    for key in cfg_options:
        parts = str(key).split('.')
        keywords = [part for part in parts if keyword.iskeyword(part)]
        if keywords:
            raise ValueError(
                f'--cfg-options {key}: {keywords[0]!r} is a Python keyword, '
                'which no setting is named after (a config cannot hold it '
                'as a key). Check the name of the setting.')
        if parts[0] not in known:
            close = difflib.get_close_matches(parts[0], known, n=1)
            hint = f' Did you mean {close[0]!r}?' if close else ''
            raise ValueError(
                f'--cfg-options {key}: the config has no top-level '
                f'{parts[0]!r}, and nothing would read it.{hint}')


def apply_run_options(cfg: Config,
                      cfg_options: Optional[dict] = None,
                      input_size: Optional[int] = None,
                      max_iters: Optional[int] = None) -> None:
    """Apply the command-line settings of ``tools/train.py`` and
    ``tools/test.py`` to a config, in place and in their order:
    ``--cfg-options`` first (checked by :func:`check_cfg_options`), then
    ``--input-size`` (every ``Letterbox``, :func:`set_input_size`), then
    ``--max-iters`` (the whole schedule, :func:`set_max_iters`, from the
    length the options left).

    Args:
        cfg (Config): The config.
        cfg_options (dict, optional): Overrides, as ``--cfg-options``.
        input_size (int, optional): Side of the model input.
        max_iters (int, optional): Training steps.
    """
    if cfg_options:
        check_cfg_options(cfg, cfg_options)
        cfg.merge_from_dict(cfg_options)
    if input_size is not None:
        set_input_size(cfg, input_size)
    if max_iters is not None:
        set_max_iters(cfg, max_iters)


def apply_tta(cfg: Config) -> None:
    """Test with the config's ``tta_pipeline`` and ``tta_model``, as
    ``tools/test.py --tta`` does, in place (after
    :func:`apply_run_options`, which sets the ``tta_pipeline``'s input size
    too): every view the pipeline makes of a crop is predicted and the
    ``tta_model`` (default ``AverageScoreTTA``) merges their scores.

    Args:
        cfg (Config): The config.

    Raises:
        ValueError: If the config has no ``tta_pipeline``.
    """
    if 'tta_pipeline' not in cfg:
        raise ValueError(
            f'--tta: {cfg.filename} has no tta_pipeline, so there are no '
            'test-time views to average (the gband612 configs define one: '
            'configs/_base_/datasets/gband612.py).')
    tta_steps = list(_pipeline_steps(cfg.tta_pipeline))
    dropped = [step for step in cfg.test_dataloader.dataset.get('pipeline', [])
               if step not in tta_steps]
    if dropped:
        raise ValueError(
            f'--tta: the test pipeline has {dropped[0]}, which tta_pipeline '
            'lacks: --tta would test without it. Was the test pipeline '
            'changed (e.g. by --cfg-options) and not tta_pipeline? Change '
            'tta_pipeline the same way.')
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    module = cfg.model
    # The Runner gives a top-level data_preprocessor to the outer model,
    # which the TTA model does not pass on to the one it wraps.
    if cfg.get('data_preprocessor') is not None:
        module.setdefault('data_preprocessor', cfg.data_preprocessor)
    cfg.model = dict(cfg.get('tta_model', dict(type='AverageScoreTTA')),
                     module=module)


def apply_balance_types(cfg: Config) -> None:
    """Score the test set as crops of whole cells, as ``tools/test.py
    --balance-types`` does, in place: every ``ChromosomeMetric`` of the
    ``test_evaluator`` balances the autosomes' scores over the set first
    (``balance_autosomes=True``).

    Args:
        cfg (Config): The config.

    Raises:
        ValueError: If the ``test_evaluator`` has no ``ChromosomeMetric``.
    """
    from mmpretrain.registry import METRICS

    from mmscl.evaluation import ChromosomeMetric
    evaluators = cfg.test_evaluator
    metrics = [evaluators] if isinstance(evaluators, dict) else evaluators

    def is_chromosome_metric(metric):
        metric_type = metric.get('type')
        if isinstance(metric_type, str):
            metric_type = METRICS.get(metric_type)
        return isinstance(metric_type, type) and issubclass(
            metric_type, ChromosomeMetric)

    chromosome_metrics = [m for m in metrics if is_chromosome_metric(m)]
    if not chromosome_metrics:
        raise ValueError(
            f'--balance-types: the test_evaluator of {cfg.filename} has no '
            'ChromosomeMetric to balance the scores of, got '
            f'{[metric.get("type") for metric in metrics]}.')
    for metric in chromosome_metrics:
        metric['balance_autosomes'] = True


def _pipeline_steps(pipeline: list):
    """The transforms of a pipeline, those inside a ``TestTimeAug`` (its
    lists of alternatives) included."""
    for step in pipeline:
        if step['type'] == 'TestTimeAug':
            for alternatives in step['transforms']:
                yield from alternatives
        else:
            yield step
