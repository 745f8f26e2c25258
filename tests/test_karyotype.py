import itertools

import numpy as np
import pytest
import torch
from mmpretrain.structures import DataSample

from benchmarks import karyotype as karyotype_benchmark
from conftest import warnings_logged
from mmscl.datasets import CHROMOSOME_CATEGORIES
from mmscl.evaluation.metrics import KaryotypeMetric
from mmscl.karyotype import assign_cell, cell_sex, type_capacities

X, Y = CHROMOSOME_CATEGORIES.index('X'), CHROMOSOME_CATEGORIES.index('Y')
T21 = CHROMOSOME_CATEGORIES.index('21')


def scores_over(rows, types):
    """24-way scores that spread each row over the given type indices."""
    scores = np.zeros((len(rows), len(CHROMOSOME_CATEGORIES)))
    scores[:, types] = rows
    return scores


def normal_cell(sex='XY'):
    """The true labels of a normal cell in karyotype order."""
    labels = list(np.repeat(np.arange(22), 2)) + [X]
    return np.array(labels + [Y if sex == 'XY' else X])


def confident_scores(labels, top=0.95):
    """Scores with ``top`` on each true label, the rest spread evenly."""
    scores = np.full((len(labels), 24), (1 - top) / 23)
    scores[np.arange(len(labels)), labels] = top
    return scores


def test_six_crops_three_types_known_optimum():
    rows = np.array([[0.9, 0.1, 0.0], [0.8, 0.2, 0.0], [0.6, 0.4, 0.0],
                     [0.0, 0.7, 0.3], [0.0, 0.1, 0.9], [0.0, 0.2, 0.8]])
    # The argmax gives type '1' three crops; moving the least sure of
    # them (0.6 against 0.4) to '2' costs least.
    result = assign_cell(scores_over(rows, [0, 1, 2]))
    assert result.labels.tolist() == [0, 0, 1, 1, 2, 2]
    assert result.pred_labels.tolist() == [0, 0, 0, 1, 2, 2]
    assert result.moved.tolist() == [False, False, True, False, False, False]
    expected = np.log([0.9, 0.8, 0.4, 0.7, 0.9, 0.8]).sum()
    assert result.log_prob == pytest.approx(expected)
    assert result.cost == pytest.approx(np.log(0.6 / 0.4))
    # The same optimum by brute force over every labelling with at most
    # two crops per type.
    best = max((labels for labels in itertools.product(range(3), repeat=6)
                if max(np.bincount(labels, minlength=3)) <= 2),
               key=lambda labels: np.log(rows[np.arange(6), labels] +
                                         1e-12).sum())
    assert list(best) == result.labels.tolist()
    assert result.extra.tolist() == [False] * 6
    # The moved crop is not confident (0.6 < 0.9): no gain flagged.
    assert result.gains == {}


def test_capacities_honoured_and_sex_inferred():
    rng = np.random.default_rng(0)
    for sex in ('XX', 'XY'):
        labels = normal_cell(sex)
        logits = rng.normal(size=(46, 24))
        logits[np.arange(46), labels] += 2.0
        scores = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
        result = assign_cell(scores)
        counts = np.bincount(result.labels, minlength=24)
        assert (counts <= type_capacities(result.sex)).all()
        assert result.log_prob <= result.free_log_prob
        clean = assign_cell(confident_scores(labels))
        assert clean.sex == sex == cell_sex(labels)
        assert clean.labels.tolist() == labels.tolist()
        assert clean.cost == pytest.approx(0)
        assert clean.flags == [] and not clean.extra.any()


def test_xx_against_xy():
    # Two X-like crops, the second half Y: XX needs 0.6, XY 0.4.
    labels = normal_cell('XX')
    scores = confident_scores(labels)
    scores[-1] = 0
    scores[-1, [X, Y]] = [0.6, 0.4]
    assert assign_cell(scores).sex == 'XX'
    scores[-1, [X, Y]] = [0.4, 0.6]
    result = assign_cell(scores)
    assert result.sex == 'XY' and result.labels[-1] == Y
    assert type_capacities('XX')[[X, Y]].tolist() == [2, 0]
    assert type_capacities('XY')[[X, Y]].tolist() == [1, 1]


def test_fewer_crops_than_slots_leave_slots_empty():
    labels = normal_cell('XY')
    keep = np.ones(46, bool)
    keep[[14, 15]] = False  # both 8s lost
    result = assign_cell(confident_scores(labels[keep]))
    assert result.labels.tolist() == labels[keep].tolist()
    assert result.losses == {7: 2}
    assert result.flags == ['missing 8 x2 (loss or lost crop)']
    assert result.gains == {} and not result.extra.any()


def test_trisomy_flagged_and_kept_as_extra():
    labels = np.append(normal_cell('XX'), T21)  # 47,XX,+21
    result = assign_cell(confident_scores(labels))
    # Every crop keeps its type; one 21 fits no slot.
    assert result.labels.tolist() == labels.tolist()
    assert result.extra.sum() == 1 and labels[result.extra][0] == T21
    assert result.gains == {T21: 3}
    assert result.flags == [
        'possible trisomy 21', '1 crop(s) beyond the slots (kept at their '
        'prediction)'
    ]
    # Not confident enough: the same cell at top scores of 0.8.
    assert assign_cell(confident_scores(labels, top=0.8)).gains == {}
    assert assign_cell(confident_scores(labels, top=0.8),
                       confidence=0.8).gains == {T21: 3}


def test_trisomy_in_a_cell_of_46_crops_is_flagged():
    # 47,XY,+21 with one 5 lost: 46 crops fill 46 slots only by moving a
    # confident 21 into the empty 5 slot; the flag must say so.
    labels = np.append(normal_cell('XY'), T21)
    labels = np.delete(labels, 8)
    scores = confident_scores(labels)
    result = assign_cell(scores)
    assert result.gains == {T21: 3}
    assert 'possible trisomy 21' in result.flags


def test_bad_scores_raise():
    with pytest.raises(ValueError, match='shape'):
        assign_cell(np.ones((3, 23)) / 23)
    with pytest.raises(ValueError, match='finite probabilities'):
        assign_cell(np.full((3, 24), -1.0))
    with pytest.raises(ValueError, match='confidence'):
        assign_cell(np.ones((3, 24)) / 24, confidence=0)


def two_cells():
    """A noisy 46,XY cell and a noisy 46,XX cell: scores, labels, ids."""
    rng = np.random.default_rng(1)
    labels = np.concatenate([normal_cell('XY'), normal_cell('XX')])
    logits = rng.normal(size=(92, 24))
    logits[np.arange(92), labels] += 2.5
    scores = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    return scores.astype(np.float32), labels, ['a'] * 46 + ['b'] * 46


def test_metric_against_direct_computation():
    scores, labels, cell_ids = two_cells()
    metric = KaryotypeMetric()
    samples = []
    for score, label, cell_id in zip(scores, labels, cell_ids):
        sample = DataSample().set_gt_label(int(label)).set_pred_score(
            torch.from_numpy(score))
        sample.set_metainfo(dict(cell_id=cell_id))
        samples.append(sample.to_dict())
    metric.process(None, samples)
    metrics = metric.evaluate(len(samples))

    cells = [assign_cell(scores[:46]), assign_cell(scores[46:])]
    constrained = np.concatenate([cell.labels for cell in cells])
    argmax = scores.argmax(1)

    def macro_recall(pred):
        return np.mean([(pred[labels == t] == t).mean()
                        for t in np.unique(labels)]) * 100

    expected = {
        'accuracy': (argmax == labels).mean() * 100,
        'accuracy_constrained': (constrained == labels).mean() * 100,
        'recall': macro_recall(argmax),
        'recall_constrained': macro_recall(constrained),
        'cell_accuracy': np.mean([(argmax[s] == labels[s]).all()
                                  for s in (slice(0, 46), slice(46, 92))])
        * 100,
        'cell_accuracy_constrained': np.mean(
            [(cell.labels == labels[s]).all()
             for cell, s in zip(cells, (slice(0, 46), slice(46, 92)))]) * 100,
        'sex_accuracy': np.mean([cells[0].sex == 'XY',
                                 cells[1].sex == 'XX']) * 100,
        'flagged_cells': np.mean([bool(cell.gains) for cell in cells]) * 100,
        'cells': 2,
        'sexed_cells': 2,
        'not_cells': 0,
    }
    assert metrics == pytest.approx(
        {f'karyotype/{k}': v for k, v in expected.items()})
    # The constraint helps on these noisy cells.
    assert expected['accuracy_constrained'] > expected['accuracy']


def test_metric_without_cell_ids_warns_and_gives_nothing():
    scores, labels, _ = two_cells()
    metric = KaryotypeMetric()
    metric.process(None, [
        DataSample().set_gt_label(int(label)).set_pred_score(
            torch.from_numpy(score)).to_dict()
        for score, label in zip(scores, labels)
    ])
    with warnings_logged() as warnings:
        assert metric.evaluate(len(labels)) == {}
    assert any('92 of 92 test samples have no cell_id' in w
               for w in warnings)


@pytest.fixture(scope='module')
def untrained(tmp_path_factory):
    """The tiny config over two synthetic cells, and an untrained
    checkpoint of its model (the plumbing, not the accuracy, is tested)."""
    from conftest import write_untrained_synthetic_model
    root = tmp_path_factory.mktemp('karyotype')
    return dict(write_untrained_synthetic_model(root, num_cells=2), root=root)


def run_tool(argv):
    import runpy
    from conftest import REPO_ROOT
    tool = runpy.run_path(f'{REPO_ROOT}/tools/karyotype.py')
    tool['main'](argv)


def test_karyotype_tool_end_to_end(untrained, tmp_path):
    import csv

    import cv2
    out = str(tmp_path / 'out')
    images = f"{untrained['data']}/images"
    run_tool([untrained['config'], untrained['checkpoint'], images, '--out',
              out])
    with open(f'{out}/crops.csv') as f:
        crops = list(csv.DictReader(f))
    with open(f'{out}/cells.csv') as f:
        cells = list(csv.DictReader(f))
    assert [c['cell_id'] for c in cells] == ['c000000', 'c000001']
    assert len(crops) == 92
    for cell in cells:
        assert cell['crops'] == '46' and cell['sex'] in ('XX', 'XY')
        karyogram = cv2.imread(cell['karyogram'])
        assert karyogram.ndim == 3 and karyogram.shape[0] > 400
        rows = [c for c in crops if c['cell_id'] == cell['cell_id']]
        assigned = [r['assigned'] for r in rows]
        # 46 crops fill the 46 slots of the inferred sex exactly.
        assert all(assigned.count(t) == 2 for t in CHROMOSOME_CATEGORIES[:22])
        assert ''.join(sorted(t for t in assigned if t in 'XY')) == \
            cell['sex']
        assert all(
            int(r['moved']) == (r['assigned'] != r['predicted'])
            for r in rows)

    # One cell's folder, as a folder of crops; and a CSV with labels.
    run_tool([untrained['config'], untrained['checkpoint'],
              f'{images}/c000001', '--out', str(tmp_path / 'one')])
    with open(tmp_path / 'one' / 'crops.csv') as f:
        one = list(csv.DictReader(f))
    assert [r['assigned'] for r in one] == [
        r['assigned'] for r in crops if r['cell_id'] == 'c000001']
    run_tool([untrained['config'], untrained['checkpoint'],
              f"{untrained['data']}/test.csv", '--out', str(tmp_path / 'csv')])
    with open(tmp_path / 'csv' / 'crops.csv') as f:
        labelled = list(csv.DictReader(f))
    assert len(labelled) == 92 and all(r['label'] for r in labelled)


def test_karyotype_tool_rejects_bad_input(untrained, tmp_path):
    (tmp_path / 'cells.csv').write_text('img_path,label\na.png,1\n')
    with pytest.raises(ValueError, match=r'cells.csv, line 1: the header '
                       r"must name the columns \('img_path', 'cell_id'\) "
                       r".*missing \['cell_id'\]"):
        run_tool([untrained['config'], untrained['checkpoint'],
                  str(tmp_path / 'cells.csv'), '--out', str(tmp_path)])
    (tmp_path / 'empty').mkdir()
    with pytest.raises(ValueError, match='holds no crops'):
        run_tool([untrained['config'], untrained['checkpoint'],
                  str(tmp_path / 'empty'), '--out', str(tmp_path)])


def test_test_loop_reports_cell_metrics(untrained, tmp_path):
    """cell_id travels from the annotation to the metric through a real
    test run; without cell_id only the crop metrics remain."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(untrained['config'])
    cfg.test_evaluator = [dict(type='ChromosomeMetric'),
                          dict(type='KaryotypeMetric')]
    cfg.load_from = untrained['checkpoint']
    cfg.custom_hooks = []  # training hooks
    cfg.work_dir = str(tmp_path / 'work')
    metrics = Runner.from_cfg(cfg).test()
    assert metrics['karyotype/cells'] == 2
    assert metrics['karyotype/accuracy'] == pytest.approx(
        metrics['chromosome/accuracy'])
    assert 'karyotype/accuracy_constrained' in metrics

    from mmscl.datasets.annotation import (read_annotation_csv,
                                           write_annotation_csv)
    rows = read_annotation_csv(f"{untrained['data']}/test.csv")
    write_annotation_csv(f"{untrained['data']}/no_cells.csv", [
        dict(img_path=r['img_path'], label=r['label']) for r in rows])
    cfg.test_dataloader.dataset.ann_file = 'no_cells.csv'
    cfg.work_dir = str(tmp_path / 'work2')
    metrics = Runner.from_cfg(cfg).test()
    assert 'chromosome/accuracy' in metrics
    assert not any(key.startswith('karyotype/') for key in metrics)


def test_flag_rates_of_a_perfect_model():
    """Confident right scores: no false alarm, every trisomy flagged and
    every monosomy located."""
    labels = np.concatenate([normal_cell('XY'), normal_cell('XX'),
                             normal_cell('XX')])
    cell_ids = [k // 46 for k in range(len(labels))]
    from mmscl.karyotype import group_by_cell
    rates = karyotype_benchmark.flag_rates(confident_scores(labels), labels,
                                           group_by_cell(cell_ids),
                                           [0.9, 0.99], 0)
    assert rates[0.9] == dict(false_alarm=0, trisomy_detected=100,
                              monosomy_located=100, cells=3)
    # Top scores of 0.95 are below 0.99: no gain is flagged at all.
    assert rates[0.99]['trisomy_detected'] == 0


def test_benchmark_on_a_tiny_model(untrained, tmp_path):
    import shutil
    runs = []
    for seed in (0, 1):
        run = tmp_path / f'tiny_seed{seed}'
        run.mkdir()
        shutil.copy(untrained['config'], run / 'tiny.py')
        shutil.copy(untrained['checkpoint'], run / 'iter_4.pth')
        runs.append(str(run))
    results = karyotype_benchmark.main(
        [*runs, '--confidence', '0.01', '--out', str(tmp_path / 'table'),
         '--no-tool-timing'])
    assert [r['method'] for r in results] == ['tiny', 'tiny']
    assert results[0]['metrics'] == results[1]['metrics']
    assert results[0]['metrics']['cells'] == 2
    table = (tmp_path / 'table.md').read_text()
    assert '| tiny | 2 | 2 |' in table and '| tiny | 0.01 | 2 |' in table
