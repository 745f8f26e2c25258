"""Figures over seeds: mean ± std, paired differences, Markdown tables."""
from mmscl.evaluation import (markdown_table, mean_std, paired_delta_cells,
                              paired_seeds, seed_cells)

# Two seeds' (accuracy, AUC) of two methods, and a seed of SCL alone.
BASELINE = {0: [90., 99.], 1: [92., 99.5]}
SCL = {0: [91., 99.], 1: [94., 99.], 2: [50., 50.]}


def test_mean_std():
    assert mean_std([91., 94.]) == '92.50 ± 2.12'
    assert mean_std([1., 2.], signed=True) == '+1.50 ± 0.71'
    assert mean_std([-0.5], signed=True) == '-0.50'


def test_seed_cells_over_every_column():
    assert seed_cells(BASELINE) == ['91.00 ± 1.41', '99.25 ± 0.35']
    assert seed_cells({3: [1., 2.]}) == ['1.00', '2.00']


def test_paired_delta_over_common_seeds():
    assert paired_seeds(SCL, BASELINE) == [0, 1]
    assert paired_seeds([2, 0], {0: [], 1: []}, (0, 2)) == [0]
    # SCL - baseline, seed by seed: (1, 0) and (2, -0.5); seed 2 unpaired.
    assert paired_delta_cells(SCL, BASELINE) == ['+1.50 ± 0.71',
                                                 '-0.25 ± 0.35']
    assert paired_delta_cells({2: [1.]}, BASELINE) == []


def test_markdown_table():
    table = markdown_table(['Method', 'Seed', 'Acc'],
                           [['SCL', '0', '91.00'], ['B', '1', '9.00']], 2)
    assert table == ('| Method | Seed | Acc |\n'
                     '|:---|:---|---:|\n'
                     '| SCL | 0 | 91.00 |\n'
                     '| B | 1 | 9.00 |')
