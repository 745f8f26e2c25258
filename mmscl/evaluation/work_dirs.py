"""Read what finished test runs left in their work dirs: the metrics
MMEngine logged and the config it dumped. Everything is read as
data: nothing found in a work dir is executed (a dumped config is Python,
so it is parsed, never run)."""
import ast
import glob
import logging
import os.path as osp
import re
from typing import Any, Dict

from mmengine.config import ConfigDict
from mmengine.logging import print_log

from ..utils import load_json
from .metrics import METRIC_LABELS, ChromosomeMetric

# MMEngine writes the metrics of a test run to <work_dir>/<ts>/<ts>.json.
_TIMESTAMP = re.compile(r'\d{8}_\d{6}')


def find_metrics_file(test_dir: str) -> str:
    """The metrics file of the latest test run in a test work dir.

    Args:
        test_dir (str): The ``--work-dir`` of ``tools/test.py``, or a
            metrics ``.json`` file itself.

    Returns:
        str: Path of ``<test_dir>/<timestamp>/<timestamp>.json``.
    """
    if test_dir.endswith('.json'):
        if not osp.isfile(test_dir):
            raise FileNotFoundError(f'The metrics file {test_dir} does not '
                                    'exist.')
        return test_dir
    if not osp.isdir(test_dir):
        raise FileNotFoundError(
            f'The test folder {test_dir} does not exist: run tools/test.py '
            'with --work-dir there (tools/quickstart.sh does).')
    files = sorted(
        path for path in glob.glob(osp.join(test_dir, '*', '*.json'))
        if _TIMESTAMP.fullmatch(osp.basename(osp.dirname(path)))
        and osp.basename(path) == osp.basename(osp.dirname(path)) + '.json')
    if not files:
        raise FileNotFoundError(
            f'{test_dir} holds no test metrics (<timestamp>/<timestamp>.json)'
            ': did tools/test.py finish there?')
    return files[-1]


def read_metrics_file(
        path: str,
        prefix: str = ChromosomeMetric.default_prefix) -> Dict[str, float]:
    """The :class:`ChromosomeMetric` values of a metrics ``.json``.

    Args:
        path (str): The ``.json`` MMEngine wrote at the end of a test.
        prefix (str): The metric's prefix. Defaults to 'chromosome'.

    Returns:
        dict[str, float]: Every ``{prefix}/{key}`` value under its ``key``
        (``accuracy``, ``recall``, ``auc``, and ``recall_{type}`` if the
        metric had ``per_type``), in percent.
    """
    found = load_json(
        path, 'Was the test cut short? Run tools/test.py again.')
    missing = [
        f'{prefix}/{key}' for key in METRIC_LABELS
        if f'{prefix}/{key}' not in found
    ]
    if missing:
        raise KeyError(f'{path} has no {missing}: was the model tested with '
                       'ChromosomeMetric?')
    return {
        key[len(prefix) + 1:]: float(value)
        for key, value in found.items() if key.startswith(f'{prefix}/')
    }


def dumped_config_file(metrics_file: str) -> str:
    """The config MMEngine dumped next to a run's metrics (or log) file."""
    return osp.join(osp.dirname(metrics_file), 'vis_data', 'config.py')


def _data(node: ast.expr) -> Any:
    """The value of an expression made of literals and ``dict(k=v)``;
    ValueError for anything else (names, other calls, operators)."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == 'dict' and not node.args
            and all(keyword.arg for keyword in node.keywords)):
        return {
            keyword.arg: _data(keyword.value)
            for keyword in node.keywords
        }
    if isinstance(node, ast.List):
        return [_data(item) for item in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_data(item) for item in node.elts)
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {
            _data(key): _data(value)
            for key, value in zip(node.keys, node.values)
        }
    return ast.literal_eval(node)


def read_config_data(path: str) -> ConfigDict:
    """The settings of a dumped MMEngine config, parsed as data.

    A dumped config is a Python file of ``name = value`` lines whose values
    are literals and ``dict(...)``. Unlike ``Config.fromfile``, this only
    parses the file: the settings written that way are returned, and every
    other statement or value (imports, function calls, names) is left out
    with a warning, never run.

    Args:
        path (str): The config file, e.g. ``<ts>/vis_data/config.py``.

    Returns:
        ConfigDict: The settings that are plain data.
    """
    with open(path, encoding='utf-8') as f:
        source = f.read()
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as error:
        raise ValueError(f'{path} is not a Python config: {error}') from None
    settings, left_out = {}, []
    for statement in tree.body:
        if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)):
            name = statement.targets[0].id
            try:
                settings[name] = _data(statement.value)
                continue
            except (ValueError, TypeError, SyntaxError, RecursionError):
                pass
        left_out.append(f'line {statement.lineno}')
    if left_out:
        print_log(
            f'{path}: left out {", ".join(left_out)}, which are not '
            'settings written as data (not run).',
            logger='current',
            level=logging.WARNING)
    return ConfigDict(settings)
