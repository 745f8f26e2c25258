"""The command line of the analysis tools that run one model, or two side
by side, over a test split (``tsne.py``, ``confusion.py``, ``cam.py``)."""
import argparse
import os
import re
from typing import List, Optional, Sequence

from mmengine.config import DictAction

from .features import ModelSpec, model_specs


def model_argument_parser(description: str) -> argparse.ArgumentParser:
    """A parser with the arguments of a tool that analyses one checkpoint,
    or two side by side: ``CONFIG CKPT OUT_DIR [--compare CONFIG2 CKPT2]``.

    Args:
        description (str): What the tool does (the parser's description).

    Returns:
        argparse.ArgumentParser: The parser, to which a tool adds its own
        options.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('config', help='config file of the model')
    parser.add_argument('checkpoint', help='checkpoint file of the model')
    parser.add_argument('out_dir', help='folder to write the results to')
    parser.add_argument(
        '--compare',
        nargs=2,
        metavar=('CONFIG2', 'CKPT2'),
        help='a second model shown next to the first (e.g. the first '
        'without SCL, this one with SCL)')
    parser.add_argument(
        '--names',
        nargs='+',
        metavar='NAME',
        help='one display name per model; defaults to the config name and '
        'whether it uses SCL')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    parser.add_argument(
        '--batch-size', type=int, help='overrides the test batch size')
    parser.add_argument(
        '--num-workers', type=int, help='overrides the test data workers')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of both configs, e.g. '
        'test_dataloader.dataset.ann_file=val.csv')
    return parser


def parse_model_args(parser: argparse.ArgumentParser,
                     argv: Optional[Sequence[str]] = None):
    """Parse the command line, check the models and make the out folder.

    Returns:
        tuple[argparse.Namespace, list[ModelSpec]]: The arguments and the
        one or two models to analyse.
    """
    args = parser.parse_args(argv)
    specs: List[ModelSpec] = model_specs(args.config, args.checkpoint,
                                         args.compare, args.names)
    os.makedirs(args.out_dir, exist_ok=True)
    return args, specs


def loader_kwargs(args) -> dict:
    """The keyword arguments of :func:`predict_split` set on the command
    line."""
    return dict(
        device=args.device,
        cfg_options=args.cfg_options,
        batch_size=args.batch_size,
        num_workers=args.num_workers)


def file_stem(name: str) -> str:
    """A model name made safe for file names: ``'resnet18 with SCL'`` ->
    ``'resnet18_with_SCL'``."""
    return re.sub(r'[^\w.-]+', '_', name).strip('_')
