"""Class activation heatmaps over test crops (Fig. 5 of the SCL paper),
with the maintained ``grad-cam`` package, for CNN and transformer
backbones; PNG grids of crops and overlays, two models one above the
other.

Examples:
    python tools/analysis/cam.py configs/scl/resnet18_synthetic.py CKPT \
        work_dirs/analysis --types 4 5 --per-type 4
    # without SCL and with SCL, one sample of every type
    python tools/analysis/cam.py configs/baseline/resnet18_synthetic.py \
        BASELINE_CKPT work_dirs/analysis \
        --compare configs/scl/resnet18_synthetic.py SCL_CKPT
"""
import os.path as osp

from mmscl.analysis import (CAMRow, build_test_dataloader, load_classifier,
                            load_config, plot_cam_grid)
from mmscl.analysis.cam import (CAM_METHODS, LAYOUTS, ClassActivationMapper,
                                cam_target, first_samples_of_types,
                                sample_heatmaps)
from mmscl.analysis.model_args import (model_argument_parser,
                                       parse_model_args)


def parse_args(argv=None):
    parser = model_argument_parser(
        'Class activation heatmaps over chromosome crops of the test split')
    parser.add_argument(
        '--types', nargs='+', metavar='TYPE',
        help='type names to show (e.g. 4 5 X); defaults to all types')
    parser.add_argument('--per-type', type=int, default=1,
                        help='crops per type (the first ones of the split)')
    parser.add_argument(
        '--target', choices=('gt', 'pred'), default='gt',
        help="explain the score of the true type ('gt') or of each "
        "model's prediction ('pred')")
    parser.add_argument('--method', choices=list(CAM_METHODS),
                        default='gradcam', help='CAM method')
    parser.add_argument(
        '--target-layer',
        help='layer to take the maps at (a name of model.named_modules(), '
        'for every model); defaults to the last stage of each backbone')
    parser.add_argument(
        '--layout', choices=LAYOUTS,
        help='layout of the --target-layer output (default NCHW)')
    parser.add_argument('--columns', type=int, default=8,
                        help='crops per row of the grid')
    args, specs = parse_model_args(parser, argv)
    if args.per_type < 1 or args.columns < 1:
        parser.error('--per-type and --columns must be at least 1, got '
                     f'{args.per_type} and {args.columns}')
    if args.layout and not args.target_layer:
        parser.error('--layout needs --target-layer')
    return args, specs


def main(argv=None):
    args, specs = parse_args(argv)
    sample_paths, rows, crops, true_names = None, [], None, None
    for spec in specs:
        cfg = load_config(spec.config, args.cfg_options)
        model = load_classifier(cfg, spec.checkpoint, args.device)
        dataset = build_test_dataloader(cfg).dataset
        classes = dataset.metainfo['classes']
        samples = first_samples_of_types(dataset, args.types or classes,
                                         args.per_type)
        paths = [dataset.get_data_info(i)['img_path'] for i in samples]
        if sample_paths is not None and paths != sample_paths:
            raise ValueError(
                f'{specs[0].config} and {spec.config} have different test '
                'splits: their heatmaps of the same crops cannot be shown.')
        sample_paths = paths
        target = cam_target(model, args.target_layer, args.layout)
        print(f'{spec.name}: maps at {target.layer_name} ({target.layout}) '
              f'for {len(samples)} crops')
        mapper = ClassActivationMapper(model, target, args.method)
        heatmaps = sample_heatmaps(mapper, dataset, samples, args.target,
                                   args.batch_size or 16)
        mapper.release()
        if crops is None:
            crops = heatmaps.crops
            true_names = [classes[i] for i in heatmaps.labels]
        rows.append(
            CAMRow(spec.name, heatmaps.overlays,
                   [classes[i] for i in heatmaps.pred_labels]))
    out_file = osp.join(args.out_dir, f'cam_{args.method}.png')
    explained = ('true type' if args.target == 'gt' else 'predicted type')
    plot_cam_grid(
        crops, true_names, rows,
        f'{args.method} heatmaps of the score of the {explained} '
        '(red: high, blue: low); red titles: wrong predictions',
        out_file, args.columns, 'relevance')
    print(f'Wrote {out_file}')


if __name__ == '__main__':
    main()
