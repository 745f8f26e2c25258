"""The type balance of a set of whole cells: balance_autosomes, the metric
option and tools/test.py --balance-types."""
import pickle

import numpy as np
import pytest
import torch
from mmengine.config import Config

from benchmarks import reference_scales
from benchmarks.reports import balanced_metrics, read_test_metrics
from conftest import run_tool_main, write_csv_without_ids, write_tiny_config
from mmscl.datasets.categories import CHROMOSOME_CATEGORIES
from mmscl.evaluation import ChromosomeMetric
from mmscl.karyotype import balance_autosomes
from mmscl.utils import apply_balance_types

X, Y = CHROMOSOME_CATEGORIES.index('X'), CHROMOSOME_CATEGORIES.index('Y')


def one_crop_of_each_type(row_of_type_2):
    """Scores of one crop of each type, every crop sure of its type but
    the crop of type '1' (0.9 on '1', 0.1 on '2') and the crop of type
    '2' (``row_of_type_2`` on '1' and '2')."""
    scores = np.eye(len(CHROMOSOME_CATEGORIES))
    scores[0, :2] = [0.9, 0.1]
    scores[1, :2] = row_of_type_2
    return scores


def test_balanced_scores_are_a_scaling_per_type_with_equal_autosomes():
    scores = one_crop_of_each_type([0.55, 0.45])
    # Type '1' gets 1.45 of the summed scores and '2' 0.55: the crop of
    # type '2' is predicted '1'.
    assert list(scores.argmax(1)) != list(range(24))
    balanced = balance_autosomes(scores)
    summed = balanced.sum(0)
    np.testing.assert_allclose(summed[:22], 1, rtol=1e-3)
    np.testing.assert_allclose(balanced.sum(1), 1)
    assert list(balanced.argmax(1)) == list(range(24))
    # One factor per type: the crops of '1' and '2' move their two scores
    # by the same ratio, rows normalised after (0.9/0.1 and 0.55/0.45 both
    # scaled by the gain of '1' over '2').
    ratio = ((balanced[:2, 0] / balanced[:2, 1]) /
             (scores[:2, 0] / scores[:2, 1]))
    assert ratio[0] == pytest.approx(ratio[1])
    # The gain of '2' over '1' solves 0.9/(0.9+0.1g) + 0.55/(0.55+0.45g)
    # = 1: g = 3.31 (to two decimals).
    assert 1 / ratio[0] == pytest.approx(3.31, abs=0.01)
    # The sure crops, X and Y among them, keep their scores.
    np.testing.assert_array_equal(balanced[2:], scores[2:])


def test_balanced_set_is_left_as_it_is():
    scores = one_crop_of_each_type([0.1, 0.9])
    scores[:, [X, Y]] += 0.05
    scores /= scores.sum(1, keepdims=True)
    np.testing.assert_allclose(balance_autosomes(scores), scores)


def test_balanced_scores_meet_the_targets_by_one_factor_per_type():
    """On scores of every kind (random rows): the autosomes' summed scores
    all at their mean, X's and Y's kept, and every crop's scores scaled by
    the same factor per type (then normalised)."""
    scores = np.random.default_rng(0).dirichlet(np.full(24, 0.3), size=200)
    balanced = balance_autosomes(scores, tolerance=1e-6)
    summed, before = balanced.sum(0), scores.sum(0)
    np.testing.assert_allclose(summed[:22], before[:22].mean(), rtol=1e-5)
    np.testing.assert_allclose(summed[[X, Y]], before[[X, Y]], rtol=1e-5)
    assert np.ptp(before[:22]) > 1  # it had something to balance
    factors = balanced / scores
    factors /= factors[:, :1]
    np.testing.assert_allclose(factors, factors[:1].repeat(200, 0),
                               rtol=1e-9)


def test_balance_that_cannot_be_met_warns(monkeypatch):
    """Types '1' and '2' have score only on one crop, which cannot give
    both the autosomes' mean (21/22 each): the iterations end with a
    warning, the scores as far as they got."""
    scores = np.eye(24)
    scores[1] = scores[2]
    scores[0, :2] = 0.5
    warnings = []
    monkeypatch.setattr('mmscl.karyotype.balance.print_log',
                        lambda message, **kwargs: warnings.append(message))
    balanced = balance_autosomes(scores, max_iterations=20)
    assert len(warnings) == 1 and 'after 20 iterations' in warnings[0]
    np.testing.assert_allclose(balanced.sum(1), 1)


@pytest.mark.parametrize('scores, match', [
    (np.full((3, 23), 1 / 23), r'\(N, 24\)'),
    (np.zeros((0, 24)), r'\(N, 24\)'),
    (np.full((2, 24), -1.), 'non-negative'),
    (np.full((2, 24), np.nan), 'finite'),
    (np.zeros((2, 24)), 'positive sum on every row'),
    (np.eye(24)[2:], 'an autosome has a score of 0'),
])
def test_balance_refuses_scores_it_cannot_balance(scores, match):
    with pytest.raises(ValueError, match=match):
        balance_autosomes(scores)


def test_metric_scores_the_balanced_set():
    scores = one_crop_of_each_type([0.55, 0.45])
    labels = list(range(24))
    metric = ChromosomeMetric(balance_autosomes=True)
    results = [dict(pred_score=s.astype(np.float32), gt_label=label)
               for s, label in zip(scores, labels)]
    assert metric.compute_metrics(results)['accuracy'] == 100
    assert ChromosomeMetric().compute_metrics(results)['accuracy'] == \
        pytest.approx(100 * 23 / 24)
    with pytest.raises(ValueError, match='24 chromosome types'):
        ChromosomeMetric(classes=('a', 'b'), balance_autosomes=True)


def test_apply_balance_types_sets_every_chromosome_metric():
    cfg = Config(dict(test_evaluator=[
        dict(type='ChromosomeMetric'), dict(type='KaryotypeMetric'),
        dict(type='mmpretrain.ChromosomeMetric', per_type=True),
        dict(type=ChromosomeMetric)
    ]))
    apply_balance_types(cfg)
    assert cfg.test_evaluator == [
        dict(type='ChromosomeMetric', balance_autosomes=True),
        dict(type='KaryotypeMetric'),
        dict(type='mmpretrain.ChromosomeMetric', per_type=True,
             balance_autosomes=True),
        dict(type=ChromosomeMetric, balance_autosomes=True)
    ]
    with pytest.raises(ValueError, match='no ChromosomeMetric'):
        apply_balance_types(
            Config(dict(test_evaluator=dict(type='KaryotypeMetric'))))


def model_leaning_to_type_1(tmp_path, config):
    """An untrained checkpoint of ``config``'s model whose scores lean to
    type '1' (the bias of its 24 scores raised)."""
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    state = MODELS.build(Config.fromfile(config).model).state_dict()
    bias = [k for k, v in state.items()
            if k.endswith('bias') and v.shape == (24, )][-1]
    state[bias][0] += 3
    checkpoint = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=state, meta={}), checkpoint)
    return checkpoint


def dumped_scores(out):
    with open(out, 'rb') as f:
        dumped = pickle.load(f)
    return (np.stack([s['pred_score'].numpy() for s in dumped]),
            np.array([int(s['gt_label']) for s in dumped]))


def test_test_tool_balance_types(tmp_path, tiny_chromosome_dir):
    """tools/test.py --balance-types reports the metrics of the dumped
    scores balanced, on a CSV without cell ids."""
    config = write_tiny_config(tmp_path / 'tiny.py', tiny_chromosome_dir)
    checkpoint = model_leaning_to_type_1(tmp_path, config)
    no_ids = write_csv_without_ids(tiny_chromosome_dir)
    out, work_dir = str(tmp_path / 'out.pkl'), str(tmp_path / 'test')
    run_tool_main('test', config, checkpoint, '--balance-types', '--out',
                  out, '--work-dir', work_dir, '--cfg-options',
                  f'test_dataloader.dataset.ann_file={no_ids}')
    scores, labels = dumped_scores(out)
    expected = ChromosomeMetric.calculate(balance_autosomes(scores), labels)
    plain = ChromosomeMetric.calculate(scores, labels)
    assert (scores.argmax(1) == 0).all()
    assert expected['accuracy'] != plain['accuracy']
    metrics = read_test_metrics(work_dir)
    assert metrics['accuracy'] == pytest.approx(expected['accuracy'])
    assert metrics['auc'] == pytest.approx(expected['auc'], abs=1e-4)
    # What benchmarks.real_data --balance-types reports of the same dump.
    balanced = balanced_metrics(out)
    assert {key: balanced[key] for key in metrics} == pytest.approx(
        metrics, abs=1e-4)


# The tiny config with its crops scaled by their reference length.
SCALED_CONFIG = """
_base_ = ['{tiny}']
test_pipeline = [
    dict(type='LoadChromosomeImage'),
    dict(type='Letterbox', scale=32, reference_fraction=0.4),
    dict(type='PackInputs'),
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
"""


def test_reference_scales_benchmark(tmp_path, tiny_chromosome_dir, capsys):
    """benchmarks.reference_scales: at x1 the accuracy of the plain test
    and of its scores balanced; other factors give other scores."""
    tiny = write_tiny_config(tmp_path / 'tiny.py', tiny_chromosome_dir)
    config = tmp_path / 'scaled.py'
    config.write_text(SCALED_CONFIG.format(tiny=tiny))
    checkpoint = model_leaning_to_type_1(tmp_path, str(config))
    no_ids = write_csv_without_ids(tiny_chromosome_dir)
    out = str(tmp_path / 'out.pkl')
    run_tool_main('test', str(config), checkpoint, '--out', out,
                  '--work-dir', str(tmp_path / 'test'), '--cfg-options',
                  f'test_dataloader.dataset.ann_file={no_ids}')
    scores, labels = dumped_scores(out)
    capsys.readouterr()
    reference_scales.main([str(config), checkpoint, '--ann-file', no_ids,
                           '--factors', '0.5', '1', '2'])
    lines = [line for line in capsys.readouterr().out.splitlines()
             if line.startswith(('x', 'average'))]
    plain = 100 * np.mean(scores.argmax(1) == labels)
    balanced = 100 * np.mean(balance_autosomes(scores).argmax(1) == labels)
    assert lines[1] == f'x1: {plain:.2f}, balanced {balanced:.2f}'
    assert lines[0].startswith('x0.5: ') and lines[2].startswith('x2: ')
    assert lines[3].startswith('average of x0.5-x2 (3 views): ')
