"""Bad annotations, splits and cell groupings (issue 21, items 6-9, 11, 12,
14, 19, 20): each test feeds one and pins what the user sees. README "What
happens with bad input" lists them."""
import numpy as np
import pytest

from conftest import warnings_logged
from mmscl.datasets import CHROMOSOME_CATEGORIES
from mmscl.evaluation.metrics import KaryotypeMetric
from mmscl.karyotype import assign_cell
from test_karyotype import confident_scores, normal_cell, run_tool, untrained  # noqa: F401,E501

T7 = CHROMOSOME_CATEGORIES.index('7')


# -- A 'cell' that is not a cell (item 9) ----------------------------------


def test_crops_of_one_type_grouped_as_a_cell_are_left_unconstrained():
    """A case's twelve 7s under one id: the constraint would relabel ten
    of them; they keep their right predictions and are counted."""
    cell = normal_cell('XY')
    labels = np.concatenate([cell, np.full(12, T7)])
    scores = confident_scores(labels)
    cell_ids = ['c1'] * len(cell) + ['case 7'] * 12
    with warnings_logged() as warnings:
        metrics = KaryotypeMetric.calculate(scores, labels, cell_ids)
    assert metrics['accuracy_constrained'] == 100
    assert metrics['cells'] == 1 and metrics['not_cells'] == 1
    assert metrics['cell_accuracy_constrained'] == 100
    assert warnings == [
        "KaryotypeMetric: 1 of 2 cell_id groups cannot be one cell, e.g. "
        "'case 7' (12 crops predicted 7 for 2 slot(s)): left unconstrained "
        'and out of the cell metrics. Is cell_id a case or patient id?']
    assignment = assign_cell(scores[len(cell):])
    assert (assignment.labels == T7).all() and assignment.sex == ''
    assert assignment.flags == [
        'not one cell (12 crops predicted 7 for 2 slot(s)): left '
        'unconstrained']


def test_unconfident_crops_of_one_type_are_still_a_cell():
    """An untrained model predicting one type everywhere does not make
    every cell 'not a cell'."""
    scores = np.full((46, 24), 0.9 / 23)
    scores[:, T7] = 0.1
    assert assign_cell(scores).not_a_cell == ''


def test_a_trisomy_is_still_a_cell():
    labels = np.concatenate([normal_cell('XX'), [T7]])
    assert assign_cell(confident_scores(labels)).not_a_cell == ''


def test_group_of_more_than_60_crops_is_not_a_cell():
    labels = np.concatenate([normal_cell('XY'), normal_cell('XX')])
    with warnings_logged() as warnings:
        metrics = KaryotypeMetric.calculate(confident_scores(labels), labels,
                                            ['patient 1'] * 92)
    assert metrics == dict(accuracy=100, accuracy_constrained=100,
                           recall=100, recall_constrained=100, cells=0,
                           sexed_cells=0, not_cells=1)
    assert "'patient 1' (92 crops, a cell holds at most about 60)" in \
        warnings[0]


def test_karyotype_tool_leaves_a_case_id_unconstrained(untrained,  # noqa
                                                       tmp_path, capsys):
    import csv
    import os.path as osp
    data = untrained['data']
    with open(osp.join(data, 'test.csv')) as f:
        rows = list(csv.DictReader(f))
    with open(osp.join(data, 'case.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=['img_path', 'cell_id'])
        writer.writeheader()
        writer.writerows(dict(img_path=r['img_path'], cell_id='case 1')
                         for r in rows)
    out = tmp_path / 'out'
    run_tool([untrained['config'], untrained['checkpoint'],
              osp.join(data, 'case.csv'), '--out', str(out)])
    assert ('Warning: 1 of 1 cell_id group(s) cannot be one cell (is '
            'cell_id a case or patient id?); left unconstrained, no '
            'karyogram:\n  case 1: 92 crops, a cell holds at most about 60'
            ) in capsys.readouterr().out
    with open(out / 'cells.csv') as f:
        cells = list(csv.DictReader(f))
    assert [(c['crops'], c['sex'], c['karyogram']) for c in cells] == [
        ('92', '', '')]
    with open(out / 'crops.csv') as f:
        crops = list(csv.DictReader(f))
    assert all(c['assigned'] == c['predicted'] for c in crops)
    assert sorted(p.name for p in out.iterdir()) == ['cells.csv',
                                                     'crops.csv']


# -- sex_accuracy only where the sex can be known (item 14) -----------------


def test_sex_accuracy_only_over_cells_whose_sex_is_known():
    """A cell without X or Y crops, and one with a single X, say nothing of
    the sex; only the XY cell counts, and its sex is inferred wrong."""
    autosomes = np.repeat(np.arange(22), 2)
    xy = normal_cell('XY')
    scores_xy = confident_scores(xy)
    scores_xy[-1] = confident_scores([CHROMOSOME_CATEGORIES.index('X')])[0]
    labels = np.concatenate([autosomes, autosomes, [22], xy])
    scores = np.concatenate([confident_scores(autosomes),
                             confident_scores(np.append(autosomes, 22)),
                             scores_xy])
    cell_ids = ['a'] * 44 + ['b'] * 45 + ['c'] * 46
    metrics = KaryotypeMetric.calculate(scores, labels, cell_ids)
    assert metrics['cells'] == 3 and metrics['sexed_cells'] == 1
    assert metrics['sex_accuracy'] == 0
    metrics = KaryotypeMetric.calculate(scores[:44], labels[:44],
                                        cell_ids[:44])
    assert 'sex_accuracy' not in metrics and metrics['sexed_cells'] == 0
