"""Karyotype whole cells: label every crop of a cell jointly under the normal
cell's slots (2 per autosome, XX or XY) and draw its karyogram.

INPUT is a folder of one cell's crops, a folder of cell folders, or a CSV
with the columns img_path (relative to the CSV) and cell_id (optional
label). Writes to --out, per cell, <cell>.png (the karyogram), and
crops.csv (every crop's assigned type, its unconstrained prediction and
confidence) and cells.csv (sex, cost of the constraint, flags). A cell_id
group that cannot be one cell (over 60 crops, or crops of one type grouped
together: a case id as cell_id) is warned about and left unconstrained,
without a karyogram.

Example:
    python tools/karyotype.py configs/scl/resnet18_synthetic.py CKPT \\
        data/synthetic/internal/images/c000003 --out work_dirs/karyotype
"""
import argparse
import csv
import os
import os.path as osp
import re
import tempfile
import time

import cv2
from mmengine.config import Config, DictAction
from mmpretrain.apis import init_model
from tqdm import tqdm

import mmscl  # noqa: F401  (registers mmscl's modules, safe checkpoints)
from mmscl.datasets.categories import CHROMOSOME_CATEGORIES
from mmscl.datasets.morphometry import to_dark_on_light
from mmscl.datasets.transforms import LoadChromosomeImage
from mmscl.engine.adaptation import DEFAULT_SHIFT_SCALE, save_adapted
from mmscl.karyotype import DEFAULT_CONFIDENCE, assign_cell, group_by_cell
from mmscl.karyotype.inference import read_cell_crops, score_cell_crops
from mmscl.karyotype.karyogram import draw_karyogram
from mmscl.utils import apply_run_options
from mmscl.utils.checkpoint_match import (configured_min_loaded_fraction,
                                          load_checked_checkpoint)
from mmscl.utils.tool_args import check_adapt_args, check_output_folder


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.splitlines()[2:]))
    parser.add_argument('config', help='config file of the model')
    parser.add_argument('checkpoint', help='checkpoint file of the model')
    parser.add_argument(
        'input', help='a cell folder, a folder of cell folders, or a CSV')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace karyograms and CSVs already in --out')
    parser.add_argument(
        '--confidence',
        type=float,
        default=DEFAULT_CONFIDENCE,
        help='top score from which a crop overridden by the constraint '
        f'raises a flag (default: {DEFAULT_CONFIDENCE})')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    parser.add_argument(
        '--batch-size', type=int, default=64, help='crops per forward pass')
    parser.add_argument(
        '--adapt', action='store_true',
        help='adapt the BatchNorm statistics to the input crops first '
        '(unsupervised; the checkpoint file is not changed)')
    parser.add_argument(
        '--adapt-shift-scale', type=float,
        help='with --adapt: the divergence at which a layer takes half '
        f'of the target statistics (default: {DEFAULT_SHIFT_SCALE})')
    parser.add_argument(
        '--save-adapted', metavar='PATH',
        help='with --adapt: also write the adapted weights to this new '
        'checkpoint file')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. model.backbone.depth=34')
    args = parser.parse_args(argv)
    check_adapt_args(parser, args, DEFAULT_SHIFT_SCALE)
    check_output_folder(parser, args.out, '--out')
    if args.batch_size < (2 if args.adapt else 1):
        parser.error(f'--batch-size must be at least 1 (2 with --adapt: '
                     'BatchNorm statistics need several crops a batch), got '
                     f'{args.batch_size}.')
    if not 0 <= args.confidence <= 1:
        parser.error('--confidence is a top score, from 0 to 1, got '
                     f'{args.confidence}.')
    return args


def file_name(cell_id: str) -> str:
    """A file name for a cell id (which may hold slashes and spaces)."""
    return re.sub(r'[^\w.-]+', '_', cell_id).strip('._') or 'cell'


def check_out_folder(input_path: str, out: str) -> None:
    """Refuse an output folder that is, or is inside, an input folder: a
    second run would read its own karyograms as crops."""
    if not osp.isdir(input_path):
        return
    folder, out_folder = osp.realpath(input_path), osp.realpath(out)
    if out_folder == folder or out_folder.startswith(folder + os.sep):
        raise ValueError(
            f'--out {out} is inside the input folder {input_path}: its '
            'karyograms would be read as crops by the next run, and could '
            'overwrite crops. Choose an --out outside the input.')


def output_files(input_path: str, out: str, cells: dict, crops,
                 overwrite: bool) -> dict:
    """The karyogram file of every cell, checked not to overwrite anything
    unasked (nor, ever, the input or another cell's karyogram).

    Args:
        input_path (str): The input folder or CSV.
        out (str): The output folder.
        cells (dict): Crop indices by cell id.
        crops (CellCrops): The crops.
        overwrite (bool): Whether files already in ``out`` may be replaced.

    Returns:
        dict: The karyogram path by cell id.
    """
    karyograms, cell_of_file = {}, {}
    for cell_id in cells:
        png = osp.join(out, f'{file_name(cell_id)}.png')
        if png in cell_of_file:
            raise ValueError(
                f'cells {cell_of_file[png]!r} and {cell_id!r} would both '
                f'be drawn to {png}: rename one of them.')
        karyograms[cell_id] = cell_of_file[png] = png
    outputs = list(karyograms.values()) + [
        osp.join(out, name) for name in ('crops.csv', 'cells.csv')]
    inputs = {osp.realpath(path)
              for path in crops.img_paths + [input_path]}
    hit = [path for path in outputs if osp.realpath(path) in inputs]
    if hit:
        raise ValueError(
            f'{len(hit)} output file(s) would replace the input (e.g. '
            f'{hit[0]}): choose another --out.')
    existing = [path for path in outputs if osp.exists(path)]
    if existing and not overwrite:
        raise FileExistsError(
            f'{out} already holds {len(existing)} of the files this run '
            f'writes (e.g. {", ".join(map(osp.basename, existing[:3]))}): '
            'nothing was written. Move them away, or pass --overwrite to '
            'replace them.')
    return karyograms


def crop_rows_of_cell(cell_id, indices, assignment, crops):
    """The rows of crops.csv of one cell's crops (``indices`` into
    ``crops``), in the order of its assignment."""
    rows = []
    for position, index in enumerate(indices):
        row = dict(
            cell_id=cell_id,
            img_path=crops.img_paths[index],
            assigned=CHROMOSOME_CATEGORIES[assignment.labels[position]],
            predicted=CHROMOSOME_CATEGORIES[assignment.pred_labels[position]],
            confidence=f'{assignment.confidences[position]:.4f}',
            moved=int(assignment.moved[position]),
            extra=int(assignment.extra[position]))
        if crops.labels is not None:
            row['label'] = CHROMOSOME_CATEGORIES[crops.labels[index]]
        rows.append(row)
    return rows


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    apply_run_options(cfg, args.cfg_options)
    check_out_folder(args.input, args.out)
    crops = read_cell_crops(args.input)
    cells = group_by_cell(crops.cell_ids)
    karyograms = output_files(args.input, args.out, cells, crops,
                              args.overwrite)
    print(f'{len(crops.img_paths)} crops of {len(cells)} cell(s) in '
          f'{args.input}')
    start = time.perf_counter()
    model = init_model(cfg, device=args.device).eval()
    print(load_checked_checkpoint(model, args.checkpoint,
                                  configured_min_loaded_fraction(cfg)))
    with tempfile.TemporaryDirectory() as tmp_dir:
        score_cell_crops(
            model, cfg, crops, tmp_dir, args.batch_size,
            args.adapt_shift_scale if args.adapt else None)
    if args.save_adapted:
        save_adapted(model, args.save_adapted, adapted_to=args.input,
                     shift_scale=args.adapt_shift_scale)
    print(f'Scored in {time.perf_counter() - start:.1f} s (model loading '
          'included)')

    # The crops as the model's loader reads them, dark on light (as
    # NormalizeStain turns fluorescent ones), for the karyograms.
    load_cfg = next(
        (dict(t) for t in cfg.test_dataloader.dataset.pipeline
         if t['type'] == 'LoadChromosomeImage'), {})
    load_cfg.pop('type', None)
    load = LoadChromosomeImage(**load_cfg).load

    os.makedirs(args.out, exist_ok=True)
    crop_rows, cell_rows, not_cells = [], [], []
    for cell_id, indices in tqdm(cells.items(), desc='Cells', unit='cell'):
        assignment = assign_cell(crops.scores[indices], args.confidence)
        png = ''
        if assignment.not_a_cell:
            not_cells.append(f'{cell_id}: {assignment.not_a_cell}')
        else:
            images = [
                to_dark_on_light(load(crops.img_paths[i])) for i in indices
            ]
            png = karyograms[cell_id]
            cv2.imwrite(png,
                        draw_karyogram(images, assignment, f'cell {cell_id}'))
        cell_rows.append(
            dict(cell_id=cell_id, crops=len(indices), sex=assignment.sex,
                 cost=f'{assignment.cost:.4f}',
                 flags='; '.join(assignment.flags), karyogram=png))
        crop_rows += crop_rows_of_cell(cell_id, indices, assignment, crops)
    for name, rows in (('crops.csv', crop_rows), ('cells.csv', cell_rows)):
        with open(osp.join(args.out, name), 'w', newline='',
                  encoding='utf-8') as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    if not_cells:
        print(f'Warning: {len(not_cells)} of {len(cells)} cell_id group(s) '
              'cannot be one cell (is cell_id a case or patient id?); '
              'left unconstrained, no karyogram:\n  ' + '\n  '.join(
                  not_cells[:10]) + ('\n  ...' if len(not_cells) > 10
                                     else ''))
    flagged = [row for row in cell_rows if row['flags']]
    print(f'{len(cell_rows)} karyogram(s), crops.csv and cells.csv in '
          f'{args.out}; {len(flagged)} cell(s) flagged'
          + ''.join(f"\n  {row['cell_id']}: {row['flags']}"
                    for row in flagged))
    print(f'Total {time.perf_counter() - start:.1f} s')


if __name__ == '__main__':
    main()
