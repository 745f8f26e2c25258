"""t-SNE map of the embeddings of a test split, coloured by type (Fig. 3
of the SCL paper), with the silhouette score of the embeddings.

Examples:
    python tools/analysis/tsne.py configs/scl/resnet18_synthetic.py CKPT \
        work_dirs/analysis
    # without SCL (left) next to with SCL (right)
    python tools/analysis/tsne.py configs/baseline/resnet18_synthetic.py \
        BASELINE_CKPT work_dirs/analysis \
        --compare configs/scl/resnet18_synthetic.py SCL_CKPT
"""
import csv
import os.path as osp

from mmscl.analysis import (FEATURE_TYPES, TSNEPanel, cosine_silhouette,
                            plot_tsne, predict_split, tsne_2d)
from mmscl.analysis.model_args import (file_stem, loader_kwargs,
                                       model_argument_parser,
                                       parse_model_args)

FEATURE_TITLES = {
    'embedding': 'normalised head embeddings',
    'pooled': 'normalised pooled backbone features',
}


def parse_args(argv=None):
    parser = model_argument_parser(
        't-SNE of test-split embeddings, coloured by type')
    parser.add_argument(
        '--feature', choices=FEATURE_TYPES, default='embedding',
        help="'embedding': the head's embedding (SCLHead's contrastive "
        "embedding, the same layer without SCL); 'pooled': the pooled "
        'backbone feature the head receives')
    parser.add_argument('--perplexity', type=float, default=30.,
                        help='t-SNE perplexity')
    parser.add_argument('--seed', type=int, default=0, help='t-SNE seed')
    args, specs = parse_model_args(parser, argv)
    if args.perplexity <= 0:
        parser.error(f'--perplexity must be positive, got {args.perplexity}')
    return args, specs


def write_points(path, predictions, points):
    """Write every sample's 2-D point with its path and types as CSV."""
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['img_path', 'label', 'pred_label', 'x', 'y'])
        for img_path, label, pred, (x, y) in zip(
                predictions.img_paths, predictions.labels,
                predictions.pred_labels, points):
            writer.writerow([
                img_path, predictions.classes[label],
                predictions.classes[pred], f'{x:.4f}', f'{y:.4f}'
            ])


def main(argv=None):
    args, specs = parse_args(argv)
    panels = []
    for spec in specs:
        predictions = predict_split(spec, args.feature, **loader_kwargs(args))
        silhouette = cosine_silhouette(predictions.features,
                                       predictions.labels)
        print(f'{spec.name}: silhouette (cosine) of the {args.feature} = '
              f'{silhouette:.4f}')
        print(f'{spec.name}: running t-SNE on {len(predictions.labels)} '
              'samples ...')
        try:
            points = tsne_2d(predictions.features, args.perplexity,
                             args.seed)
        except ValueError as e:
            raise ValueError(f'{spec.name}: {e}') from None
        points_file = osp.join(args.out_dir,
                               f'tsne_{file_stem(spec.name)}.csv')
        write_points(points_file, predictions, points)
        panels.append(
            TSNEPanel(spec.name, points, predictions.labels, silhouette))
    out_file = osp.join(args.out_dir, 'tsne.png')
    plot_tsne(
        panels, predictions.classes,
        f't-SNE of the {FEATURE_TITLES[args.feature]} '
        f'({len(predictions.labels)} test samples)', out_file)
    print(f'Wrote {out_file}')


if __name__ == '__main__':
    main()
