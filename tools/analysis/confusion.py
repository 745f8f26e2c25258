"""24x24 confusion matrix of a test split (Fig. 4 of the SCL paper): PNG
(counts and row-normalised), CSV, and the most frequent confusions.

Examples:
    python tools/analysis/confusion.py configs/scl/resnet18_synthetic.py \
        CKPT work_dirs/analysis
    # without SCL next to with SCL, and their difference
    python tools/analysis/confusion.py configs/baseline/resnet18_synthetic.py \
        BASELINE_CKPT work_dirs/analysis \
        --compare configs/scl/resnet18_synthetic.py SCL_CKPT
"""
import os.path as osp

import numpy as np

from mmscl.analysis import (plot_confusion, predict_split, row_normalise,
                            top_confused_pairs)
from mmscl.analysis.model_args import (file_stem, loader_kwargs,
                                       model_argument_parser,
                                       parse_model_args)
from mmscl.evaluation import confusion_counts, write_confusion_csv


def parse_args(argv=None):
    parser = model_argument_parser(
        'Confusion matrix of the test split, as PNG and CSV')
    parser.add_argument('--top-k', type=int, default=10,
                        help='how many confused pairs to print')
    return parse_model_args(parser, argv)


def main(argv=None):
    args, specs = parse_args(argv)
    counts, labels = [], None
    for spec in specs:
        predictions = predict_split(spec, **loader_kwargs(args))
        if labels is not None and not np.array_equal(labels,
                                                     predictions.labels):
            raise ValueError(
                f'{specs[0].config} and {spec.config} have different test '
                'splits: their confusion matrices cannot be compared.')
        labels = predictions.labels
        classes = predictions.classes
        count = confusion_counts(predictions.labels, predictions.pred_labels,
                                 len(classes))
        counts.append(count)
        stem = osp.join(args.out_dir, f'confusion_{file_stem(spec.name)}')
        write_confusion_csv(f'{stem}.csv', count, classes)
        write_confusion_csv(f'{stem}_percent.csv', row_normalise(count),
                            classes, '{:.2f}')
        errors = int(count.sum() - count.trace())
        print(f'{spec.name}: {errors} of {int(count.sum())} test samples '
              'misclassified; top confused pairs (true -> predicted):')
        for true, pred, num in top_confused_pairs(count, args.top_k):
            print(f'  {classes[true]} -> {classes[pred]}: {num}')
    if len(counts) == 2:
        print(f'Top confused pairs of {specs[0].name} -> {specs[1].name}:')
        for true, pred, num in top_confused_pairs(counts[0], args.top_k):
            after = int(counts[1][true, pred])
            print(f'  {classes[true]} -> {classes[pred]}: {num} -> {after} '
                  f'({after - num:+d})')
    out_file = osp.join(args.out_dir, 'confusion.png')
    plot_confusion(counts, [spec.name for spec in specs], classes, out_file)
    print(f'Wrote {out_file}')


if __name__ == '__main__':
    main()
