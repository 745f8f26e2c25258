"""Writing a synthetic G-band dataset: cells, splits, annotations.

Each synthetic cell is a normal 46,XX or 46,XY metaphase whose 46
chromosomes share the cell's scale and look (:class:`CellStyle`). Every
chromosome is written as its own crop, so the crops keep the cell's scale.
The output is deterministic in the seed: a cell's randomness depends only
on the seed and the cell's index, whatever the number of workers.
"""
import json
import os
import os.path as osp
from functools import partial
from importlib.metadata import version
from typing import Any, Dict, List, Sequence, Union

import cv2
import numpy as np
from tqdm import tqdm

from mmscl.datasets.annotation import (SPLIT_NAMES,
                                       check_annotation_files_absent,
                                       replace_annotation_files,
                                       split_by_group, write_annotation_csv)
from mmscl.datasets.categories import (CHROMOSOME_CATEGORIES,
                                       type_number_from_name)
from mmscl.utils.processes import map_in_processes
from .band_map import get_band_map
from .domains import resolve_domain
from .render import CellStyle, render_chromosome

_ANNOTATION_EXTENSIONS = ('.csv', '.json')
# Parameters of a domain drawn once per cell (the others per chromosome).
_PER_CELL = ('width', 'band_softness', 'stain_od', 'base_stain', 'texture',
             'gamma', 'black_level', 'blur', 'noise', 'background',
             'background_texture', 'edge_cut')
# Fast lossless PNG: encoding, not rendering, would otherwise dominate.
_PNG_PARAMS = [
    cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_FILTER,
    cv2.IMWRITE_PNG_FILTER_SUB
]


def _as_range(value: Union[float, Sequence[float]]) -> tuple:
    return tuple(value) if isinstance(value, tuple) else (value, value)


def sample_cell_style(params: Dict[str, Any],
                      rng: np.random.Generator) -> CellStyle:
    """Draw the look of one cell from a domain.

    The cell's condensation sets both its scale and its band level: a
    longer chromosome 1 comes with a higher band level.

    Args:
        params (dict): Resolved domain parameters.
        rng (np.random.Generator): The cell's random generator.

    Returns:
        CellStyle: The cell's look.
    """
    condensation = rng.random()
    low, high = _as_range(params['chr1_length'])
    levels = params['band_levels']
    level = levels[min(int(condensation * len(levels)), len(levels) - 1)]
    drawn = {key: rng.uniform(*_as_range(params[key])) for key in _PER_CELL}
    per_chromosome = {
        key: _as_range(params[key])
        for key in ('heteromorphism', 'split', 'constriction', 'bend',
                    'rotation')
    }
    return CellStyle(
        canvas=params['canvas'],
        band_level=level,
        px_per_mb=(low + condensation * (high - low)) /
        get_band_map('1').length,
        length_jitter=params['length_jitter'],
        flip=params['flip'],
        **drawn,
        **per_chromosome)


def karyotype(rng: np.random.Generator) -> List[tuple]:
    """The chromosomes of a normal cell, female or male with equal odds.

    Returns:
        list[tuple]: ``(type, homolog index)`` in karyotype order.
    """
    sex = ('X', 'X') if rng.random() < 0.5 else ('X', 'Y')
    chromosomes = [(c, h) for c in CHROMOSOME_CATEGORIES[:22] for h in (0, 1)]
    chromosomes += [('X', h) for h in range(sex.count('X'))]
    chromosomes += [('Y', 0)] * sex.count('Y')
    return chromosomes


def _cell_rng(seed: int, index: int) -> np.random.Generator:
    return np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=(index, )))


def render_cell(out_dir: str, index: int, seed: int,
                params: Dict[str, Any]) -> List[Dict[str, str]]:
    """Render and write the crops of one cell.

    Args:
        out_dir (str): The dataset root.
        index (int): The cell's index.
        seed (int): The dataset's seed.
        params (dict): Resolved domain parameters.

    Returns:
        list[dict]: One annotation row per crop, ``img_path`` relative to
        ``out_dir``.
    """
    rng = _cell_rng(seed, index)
    style = sample_cell_style(params, rng)
    cell_id = f'c{index:06d}'
    folder = osp.join('images', cell_id)
    os.makedirs(osp.join(out_dir, folder), exist_ok=True)
    rows = []
    for chrom, homolog in karyotype(rng):
        image = render_chromosome(
            get_band_map(chrom, style.band_level), style, rng)
        path = osp.join(folder, f'{cell_id}_{chrom}_{homolog}.png')
        ok, png = cv2.imencode('.png', image, _PNG_PARAMS)
        if not ok:
            raise RuntimeError(f'Could not encode {path} as PNG.')
        with open(osp.join(out_dir, path), 'wb') as f:
            f.write(png.tobytes())
        rows.append(
            dict(
                img_path=path.replace(os.sep, '/'),
                label=chrom,
                cell_id=cell_id,
                patient_id=f'p{index:06d}'))
    return rows


class _CellWriter:
    """Picklable ``render_cell`` with the dataset's fixed arguments."""

    def __init__(self, out_dir: str, seed: int, params: Dict[str, Any]):
        self.out_dir, self.seed, self.params = out_dir, seed, params

    def __call__(self, index: int) -> List[Dict[str, str]]:
        return render_cell(self.out_dir, index, self.seed, self.params)


def _write_json(path: str, content: Dict[str, list]) -> None:
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(content, f)


def _karyotype_json(rows: List[Dict[str, str]]) -> Dict[str, list]:
    """The OGH-Fudan authors' split format: one item per patient, one list
    of ``[path, label 1..24]`` per cell."""
    items: Dict[str, Dict[str, Any]] = {}
    for row in rows:
        item = items.setdefault(row['patient_id'],
                                dict(kar_type='normal', kar_files=[]))
        if row['cell_id'] not in item:
            item['kar_files'].append(row['cell_id'])
            item[row['cell_id']] = []
        item[row['cell_id']].append(
            [row['img_path'],
             type_number_from_name(row['label'])])
    return dict(items=list(items.values()))


def write_contact_sheet(path: str,
                        out_dir: str,
                        rows: List[Dict[str, str]],
                        per_type: int = 10) -> None:
    """Write a PNG with one labelled row per type: the first ``per_type``
    crops of that type, cut to the chromosome at full scale.

    Args:
        path (str): The PNG to write.
        out_dir (str): The dataset root the rows' paths are relative to.
        rows (list[dict]): Annotation rows in cell order.
        per_type (int): Crops per type. Defaults to 10.
    """
    gap, label_width = 6, 40
    sheet_rows = []
    for chrom in CHROMOSOME_CATEGORIES:
        crops = []
        for row in [r for r in rows if r['label'] == chrom][:per_type]:
            image = cv2.imread(
                osp.join(out_dir, row['img_path']), cv2.IMREAD_GRAYSCALE)
            x, y, w, h = cv2.boundingRect(255 - image)
            crops.append(image[y:y + h, x:x + w])
        height = max([c.shape[0] for c in crops], default=24) + gap
        line = np.full((height, label_width), 255, np.uint8)
        cv2.putText(line, chrom, (4, height // 2 + 7),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 2, cv2.LINE_AA)
        for crop in crops:
            tile = np.full((height, crop.shape[1] + gap), 255, np.uint8)
            top = height - gap - crop.shape[0]
            tile[top:top + crop.shape[0], :crop.shape[1]] = crop
            line = np.hstack([line, tile])
        line[-1] = 200
        sheet_rows.append(line)
    width = max(line.shape[1] for line in sheet_rows)
    sheet = np.vstack([
        np.pad(
            line, ((0, 0), (0, width - line.shape[1])), constant_values=255)
        for line in sheet_rows
    ])
    cv2.imwrite(path, sheet, _PNG_PARAMS)


def generate_synthetic_dataset(
    out_dir: str,
    num_cells: int,
    seed: int = 0,
    domain: Union[str, Dict[str, Any]] = 'internal',
    workers: int = 1,
    progress: bool = True,
    splits: Sequence[float] = (0.8, 0.1, 0.1),
    overwrite: bool = False
) -> Dict[str, str]:
    """Generate a synthetic G-band chromosome dataset.

    Writes ``images/<cell>/<cell>_<type>_<homolog>.png``, the annotation
    CSVs ``train.csv`` / ``val.csv`` / ``test.csv`` (split by cell), the
    same splits in the karyotype JSON format (``train.json`` ...), a
    ``contact_sheet.png`` and, last, ``meta.json``, whose presence marks a
    complete dataset. The output depends only on the arguments other than
    ``workers``, ``progress`` and ``overwrite``. Annotation files already
    in ``out_dir`` are an error, found before any work, unless
    ``overwrite``.

    Args:
        out_dir (str): The dataset root; created if missing.
        num_cells (int): Number of metaphase cells (46 crops each).
        seed (int): Seed of all randomness. Defaults to 0.
        domain (str | dict): A name in
            :data:`~mmscl.datasets.synthetic.SYNTHETIC_DOMAINS` or a
            user-defined domain dict (see
            :func:`~mmscl.datasets.synthetic.domains.resolve_domain`).
            Defaults to ``'internal'``.
        workers (int): Processes rendering cells. Defaults to 1.
        progress (bool): Whether to show a progress bar. Defaults to True.
        splits (Sequence[float]): Fractions of cells in train, val and
            test. Defaults to (0.8, 0.1, 0.1).
        overwrite (bool): Replace the annotation files (CSV and JSON)
            already in ``out_dir``. Defaults to False.

    Returns:
        dict: Paths of the written files: ``'train'``, ``'val'``,
        ``'test'`` (CSVs), ``'train_json'``, ``'val_json'``,
        ``'test_json'``, ``'contact_sheet'`` and ``'meta'``.
    """
    params = resolve_domain(domain)
    if isinstance(num_cells, bool) or not isinstance(num_cells, int) or \
            num_cells < 1:
        raise ValueError(f'num_cells must be a positive int, got '
                         f'{num_cells!r}.')
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f'seed must be a non-negative int, got {seed!r}.')
    if isinstance(workers, bool) or not isinstance(workers, int) or \
            workers < 1:
        raise ValueError(f'workers must be a positive int, got {workers!r}.')
    if len(splits) != len(SPLIT_NAMES) or any(r < 0 for r in splits) or \
            sum(splits) <= 0:
        raise ValueError(f'splits must be three non-negative fractions '
                         f'(train, val, test) with a positive sum, got '
                         f'{splits!r}.')

    check_annotation_files_absent(out_dir, _ANNOTATION_EXTENSIONS, overwrite)
    os.makedirs(out_dir, exist_ok=True)
    meta_path = osp.join(out_dir, 'meta.json')
    if osp.exists(meta_path):
        os.remove(meta_path)

    writer = _CellWriter(out_dir, seed, params)
    bar = dict(
        total=num_cells,
        desc='Synthetic cells',
        unit='cell',
        disable=not progress)
    if workers == 1:
        cells = [writer(i) for i in tqdm(range(num_cells), **bar)]
    else:
        # One OpenCV thread per worker: the workers already fill the cores.
        cells = map_in_processes(
            writer, range(num_cells), min(workers, num_cells),
            progress=partial(tqdm, **bar), initializer=cv2.setNumThreads,
            initargs=(1, ))
    rows = [row for cell in cells for row in cell]

    split_of = split_by_group([row['cell_id'] for row in rows],
                              ratios=splits,
                              seed=seed)
    paths = {}
    counts = {}
    writers = {}
    for index, name in enumerate(SPLIT_NAMES):
        split_rows = [r for r, s in zip(rows, split_of) if s == index]
        paths[name] = osp.join(out_dir, f'{name}.csv')
        writers[f'{name}.csv'] = partial(write_annotation_csv, rows=split_rows)
        paths[f'{name}_json'] = osp.join(out_dir, f'{name}.json')
        writers[f'{name}.json'] = partial(
            _write_json, content=_karyotype_json(split_rows))
        counts[name] = dict(
            cells=len({r['cell_id']
                       for r in split_rows}),
            images=len(split_rows))
    replace_annotation_files(out_dir, writers, _ANNOTATION_EXTENSIONS)

    paths['contact_sheet'] = osp.join(out_dir, 'contact_sheet.png')
    write_contact_sheet(paths['contact_sheet'], out_dir, rows)

    meta = dict(
        generator='mmscl.datasets.synthetic',
        band_source=f'pyryotype {version("pyryotype")} UCSC cytobands '
        '(hg38; X, Y from CHM13)',
        seed=seed,
        num_cells=num_cells,
        domain=domain,
        params=params,
        splits=[float(r) for r in splits],
        counts=counts,
        images_per_type={
            c: sum(r['label'] == c for r in rows)
            for c in CHROMOSOME_CATEGORIES
        })
    with open(meta_path, 'w', encoding='utf-8') as f:
        json.dump(meta, f, indent=2)
    paths['meta'] = meta_path
    return paths
