"""Accuracy of a checkpoint at single scales around the reference length,
and of the average over the central views: what the views of
``tools/test.py --tta`` (the configs' ``tta_pipeline``) were chosen by.
Each accuracy is also given with the autosomes balanced over the test set
(``balance_autosomes``, as ``tools/test.py --balance-types``).

Each factor is one test of the config's test set with every crop drawn
that much larger than its reference says (``ReferenceScale`` before the
``Letterbox``); the averages are the mean scores of the central 3, 5, ...
factors. The seven default factors are the views of ``--tta`` for crops
without a cell reference (neighbours 1.09 apart); ``--factors`` with
neighbours 1.045 apart gives those of crops with one. Example (a run of
``benchmarks.real_data``, qband119 without ids)::

    python -m benchmarks.reference_scales \\
        configs/scl/resnet18_gband612_qband119.py \\
        work_dirs/real_data/scl_seed0/iter_3000.pth --input-size 64 \\
        --ann-file work_dirs/real_data/without_ids/external_no_ids.csv
"""
import argparse
import copy

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

import mmscl  # noqa: F401  (registers mmscl's modules, safe checkpoints)
from mmpretrain.registry import DATASETS, MODELS
from mmscl.datasets.categories import CHROMOSOME_CATEGORIES
from mmscl.datasets.transforms.reference import REFERENCE_LEVELS
from mmscl.karyotype import balance_autosomes
from mmscl.utils import apply_run_options

DEFAULT_FACTORS = (0.77, 0.85, 0.92, 1.0, 1.09, 1.18, 1.3)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--ann-file', help='test annotation instead of the '
                        "config's")
    parser.add_argument('--data-root', help="image folder instead of the "
                        "config's")
    parser.add_argument('--factors', type=float, nargs='+',
                        default=list(DEFAULT_FACTORS),
                        help='scale factors, ascending and odd in number '
                        f'(default: {" ".join(map(str, DEFAULT_FACTORS))})')
    parser.add_argument('--input-size', type=int,
                        help='side of the model input')
    parser.add_argument('--batch-size', type=int, default=128)
    args = parser.parse_args(argv)
    if len(args.factors) % 2 == 0 or args.factors != sorted(args.factors):
        parser.error('--factors must be ascending and odd in number, got '
                     f'{args.factors}')
    return args


def scores_at(cfg, model, factor, batch_size):
    """The scores (N, C) and labels (N, ) of the test set with every crop
    drawn ``factor`` times larger than its reference says."""
    dataset_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
    pipeline = list(dataset_cfg.pipeline)
    at = [t['type'] for t in pipeline].index('Letterbox')
    pipeline.insert(at, dict(type='ReferenceScale',
                             factors=dict.fromkeys(REFERENCE_LEVELS, factor)))
    dataset_cfg.pipeline = pipeline
    loader = torch.utils.data.DataLoader(
        DATASETS.build(dataset_cfg), batch_size=batch_size,
        collate_fn=pseudo_collate)
    scores, labels = [], []
    with torch.no_grad():
        for batch in loader:
            for sample in model.test_step(batch):
                scores.append(sample.pred_score.numpy())
                labels.append(int(sample.gt_label))
    return np.stack(scores), np.array(labels)


def accuracies(scores, labels):
    """The accuracy of scores, and with the autosomes balanced.

    Args:
        scores (np.ndarray): Scores of the test set, (N, C).
        labels (np.ndarray): Its labels, (N, ).

    Returns:
        str: The accuracies in percent; the balanced one only for the 24
        chromosome types.
    """
    plain = f'{100 * np.mean(scores.argmax(1) == labels):.2f}'
    if scores.shape[1] != len(CHROMOSOME_CATEGORIES):
        return plain
    balanced = np.mean(balance_autosomes(scores).argmax(1) == labels)
    return f'{plain}, balanced {100 * balanced:.2f}'


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    options = {}
    if args.ann_file:
        options['test_dataloader.dataset.ann_file'] = args.ann_file
    if args.data_root:
        options['test_dataloader.dataset.data_root'] = args.data_root
    apply_run_options(cfg, options, args.input_size)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    cfg.model.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    model = MODELS.build(cfg.model).eval()
    load_checkpoint(model, args.checkpoint, map_location='cpu')
    scores = {}
    for factor in args.factors:
        scores[factor], labels = scores_at(cfg, model, factor,
                                           args.batch_size)
        print(f'x{factor:g}: {accuracies(scores[factor], labels)}',
              flush=True)
    middle = len(args.factors) // 2
    for half in range(1, middle + 1):
        central = args.factors[middle - half:middle + half + 1]
        mean = np.mean([scores[f] for f in central], axis=0)
        print(f'average of x{central[0]:g}-x{central[-1]:g} '
              f'({len(central)} views): {accuracies(mean, labels)}')


if __name__ == '__main__':
    main()
