"""Time ChromosomeMetric on a test set the size of the paper's (126k crops).

Random softmax scores over the 24 types are fed in batches, as the
Evaluator hands them over (``DataSample.to_dict()``); the script prints the
seconds spent in ``process()`` over all batches and in ``evaluate()``
(collection + ``compute_metrics()``).

Example:
    python -m benchmarks.metric_speed --num-samples 126000 --batch-size 256
"""
import argparse
import time

import torch
from mmpretrain.structures import DataSample

from mmscl.datasets.categories import CHROMOSOME_CATEGORIES
from mmscl.evaluation import ChromosomeMetric


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--num-samples', type=int, default=126000)
    parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument(
        '--confusion-matrix-file',
        help='also time writing the confusion matrix to this .csv')
    return parser.parse_args()


def make_batches(num_samples, batch_size):
    """Data sample dicts of a ~95 % accurate classifier, in batches."""
    generator = torch.Generator().manual_seed(0)
    num_classes = len(CHROMOSOME_CATEGORIES)
    labels = torch.randint(num_classes, (num_samples, ), generator=generator)
    logits = torch.randn(num_samples, num_classes, generator=generator)
    logits[torch.arange(num_samples), labels] += 4
    scores = logits.softmax(dim=1)
    samples = [
        DataSample().set_gt_label(int(label)).set_pred_score(score).to_dict()
        for score, label in zip(scores, labels)
    ]
    return [
        samples[start:start + batch_size]
        for start in range(0, num_samples, batch_size)
    ]


def main():
    args = parse_args()
    torch.set_num_threads(1)
    batches = make_batches(args.num_samples, args.batch_size)
    metric = ChromosomeMetric(
        per_type=True, confusion_matrix_file=args.confusion_matrix_file)

    start = time.perf_counter()
    for batch in batches:
        metric.process(None, batch)
    process_time = time.perf_counter() - start
    start = time.perf_counter()
    metrics = metric.evaluate(args.num_samples)
    evaluate_time = time.perf_counter() - start

    print(f'{args.num_samples} predictions x {len(CHROMOSOME_CATEGORIES)} '
          f'types, batch size {args.batch_size}')
    print(f'process():  {process_time:.3f} s')
    print(f'evaluate(): {evaluate_time:.3f} s')
    print(f'total:      {process_time + evaluate_time:.3f} s')
    for key in ('accuracy', 'recall', 'auc'):
        print(f'chromosome/{key}: {metrics[f"chromosome/{key}"]:.2f}')


if __name__ == '__main__':
    main()
