"""benchmarks/reports.py: figures of finished runs read from their work
dirs, mean ± std over seeds, paired differences; and the Markdown tables
they go into (mmscl.utils.markdown_table)."""
import json

import pytest

from benchmarks.reports import (mean_std, paired_delta_cells, paired_seeds,
                                read_step_times, read_test_metrics,
                                seed_cells)
from mmscl.utils import markdown_table

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


def test_read_test_metrics(tmp_path):
    test_dir = tmp_path / 'test_internal' / '20260101_000000'
    test_dir.mkdir(parents=True)
    metrics = {'chromosome/accuracy': 90, 'chromosome/recall': 80.5,
               'chromosome/auc': 99, 'chromosome/recall_Y': 50,
               'val/accuracy': 1, 'time': 2}
    (test_dir / '20260101_000000.json').write_text(json.dumps(metrics))
    # MMEngine's scalars are no metrics file.
    (test_dir / 'vis_data').mkdir()
    (test_dir / 'vis_data' / 'scalars.json').write_text('{}')
    assert read_test_metrics(str(tmp_path / 'test_internal')) == {
        'accuracy': 90., 'recall': 80.5, 'auc': 99., 'recall_Y': 50.}
    with pytest.raises(KeyError, match=r"\['val/recall', 'val/auc'\]"):
        read_test_metrics(str(tmp_path / 'test_internal'), prefix='val')


def test_read_step_times(tmp_path):
    """The medians of the latest run's logged training step and data
    times, the first interval (the start-up) and validation lines (no loss)
    left out."""
    assert read_step_times(str(tmp_path)) == {}
    for run, times in (('20260101_000000', [(9., 9.), (1., 1.), (1., 1.)]),
                       ('20260102_000000', [(5., 2.), (0.5, 0.01),
                                            (0.7, 0.03), (0.6, 0.02)])):
        (tmp_path / run / 'vis_data').mkdir(parents=True)
        logs = [dict(loss=1.)] + [
            dict(loss=1., time=step, data_time=data, iter=i)
            for i, (step, data) in enumerate(times)
        ] + [dict(time=30., data_time=20.)]  # a validation line
        (tmp_path / run / 'vis_data' / 'scalars.json').write_text(
            ''.join(json.dumps(log) + '\n' for log in logs))
    assert read_step_times(str(tmp_path)) == dict(step_s=0.6, data_s=0.02)
