"""Time and measure the start-up of a training set of 126k crops.

Writes an annotation of ``--num-entries`` crops (46 per cell, every type;
126k by default, the size of the paper's OGH-Fudan set) over empty image
files in a temporary folder (on ``/dev/shm`` when there is one), in both
annotation formats ChromosomeDataset reads (CSV and the authors' karyotype
JSON). For each format a fresh interpreter builds the dataset (reading,
checking that every file exists, serializing the data infos as MMEngine
does) and then the ``PairedTypeSampler`` over it (which reads every label),
and reports the seconds of each and the memory they added (resident set
size after minus before) and the peak resident size of the process.

Example:
    python -m benchmarks.dataset_startup --num-entries 126000
"""
import argparse
import json
import os
import os.path as osp
import resource
import subprocess
import sys
import tempfile
import time

from benchmarks import REPO_ROOT
from mmscl.datasets.categories import type_number_from_name

PER_CELL = 46  # 22 autosome pairs and two sex chromosomes


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--num-entries', type=int, default=126000)
    parser.add_argument(
        '--child',
        nargs=2,
        metavar=('DATA_ROOT', 'ANN_FILE'),
        help=argparse.SUPPRESS)
    return parser.parse_args()


def cell_labels(cell):
    """Type names of the 46 crops of a cell: XX or XY by turn."""
    autosomes = [str(t) for t in range(1, 23) for _ in range(2)]
    return autosomes + (['X', 'X'] if cell % 2 else ['X', 'Y'])


def write_annotations(root, num_entries):
    """Empty image files under ``root`` and their CSV and JSON annotation.

    Returns:
        tuple[str, str]: Paths of the CSV and the JSON annotation.
    """
    entries = []  # (relative path, type name, cell id)
    for cell in range(-(-num_entries // PER_CELL)):
        os.makedirs(osp.join(root, f'cell{cell:05d}'))
        for i, label in enumerate(cell_labels(cell)):
            entries.append((f'cell{cell:05d}/{i:02d}.png', label, cell))
    entries = entries[:num_entries]
    for path, _, _ in entries:
        open(osp.join(root, path), 'wb').close()

    csv_file = osp.join(root, 'train.csv')
    with open(csv_file, 'w') as f:
        f.write('img_path,label,cell_id\n')
        f.writelines(f'{p},{label},{cell}\n' for p, label, cell in entries)

    # The authors' layout: one item per patient (here one per 10 cells),
    # one list per cell, labels 1..24 (X = 23, Y = 24).
    cells = {}
    for path, label, cell in entries:
        cells.setdefault(cell, []).append(
            [path, type_number_from_name(label)])
    items = {}
    for cell, crops in cells.items():
        item = items.setdefault(cell // 10, dict(
            kar_type='normal', kar_files=[]))
        item['kar_files'].append(f'k{cell}')
        item[f'k{cell}'] = crops
    json_file = osp.join(root, 'train.json')
    with open(json_file, 'w') as f:
        json.dump(dict(items=list(items.values())), f)
    return csv_file, json_file


def resident_mib():
    with open('/proc/self/statm') as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf('SC_PAGE_SIZE') / 2**20


def measure(data_root, ann_file):
    """Build the dataset and sampler; print one JSON line of figures."""
    import mmscl  # noqa: F401
    from mmpretrain.registry import DATASETS, DATA_SAMPLERS

    rss_before = resident_mib()
    start = time.perf_counter()
    # The image files are empty: nothing decoded (no image check, no length
    # measurement).
    dataset = DATASETS.build(
        dict(type='ChromosomeDataset', data_root=data_root, ann_file=ann_file,
             check_images=False, length_reference=None))
    dataset_s = time.perf_counter() - start
    rss_dataset = resident_mib()
    start = time.perf_counter()
    DATA_SAMPLERS.build(
        dict(type='PairedTypeSampler', dataset=dataset, seed=0))
    sampler_s = time.perf_counter() - start
    print(json.dumps(dict(
        entries=len(dataset),
        dataset_s=dataset_s,
        dataset_mib=rss_dataset - rss_before,
        sampler_s=sampler_s,
        sampler_mib=resident_mib() - rss_dataset,
        # ru_maxrss is in KiB on Linux
        peak_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))


def main():
    args = parse_args()
    if args.child:
        measure(*args.child)
        return
    memory = '/dev/shm' if osp.isdir('/dev/shm') else None
    with tempfile.TemporaryDirectory(dir=memory) as root:
        start = time.perf_counter()
        annotations = write_annotations(root, args.num_entries)
        print(f'Wrote {args.num_entries} empty crops and their annotations '
              f'in {time.perf_counter() - start:.1f} s ({root}).')
        print('| annotation | entries | dataset s | dataset MiB | '
              'sampler s | sampler MiB | process peak MiB |')
        print('|---|---|---|---|---|---|---|')
        for ann_file in annotations:
            output = subprocess.run(
                [sys.executable, '-m', 'benchmarks.dataset_startup', '--child',
                 root, ann_file],
                cwd=REPO_ROOT, check=True, capture_output=True,
                text=True).stdout
            r = json.loads(output.strip().splitlines()[-1])
            print(f'| {osp.splitext(ann_file)[1][1:].upper()} | '
                  f'{r["entries"]:,} | {r["dataset_s"]:.2f} | '
                  f'{r["dataset_mib"]:.0f} | {r["sampler_s"]:.2f} | '
                  f'{r["sampler_mib"]:.0f} | {r["peak_mib"]:.0f} |')


if __name__ == '__main__':
    main()
