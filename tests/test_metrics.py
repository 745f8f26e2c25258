import csv
import logging
import math
import pickle

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.logging import MMLogger
from mmpretrain.registry import METRICS
from mmpretrain.structures import DataSample
from sklearn.metrics import recall_score, roc_auc_score

from mmscl.datasets.categories import CHROMOSOME_CATEGORIES
# Importing mmscl.evaluation registers ChromosomeMetric in METRICS.
from mmscl.evaluation import METRIC_LABELS, ChromosomeMetric

# A 3-type toy whose metrics are worked out by hand below.
TOY_CLASSES = ('a', 'b', 'c')
TOY_LABELS = [0, 0, 1, 1, 1, 2, 2]
TOY_SCORES = [
    [0.7, 0.2, 0.1],  # a -> a
    [0.4, 0.5, 0.1],  # a -> b
    [0.1, 0.8, 0.1],  # b -> b
    [0.2, 0.6, 0.2],  # b -> b
    [0.3, 0.4, 0.3],  # b -> b
    [0.1, 0.3, 0.6],  # c -> c
    [0.5, 0.2, 0.3],  # c -> a
]
# 5 of 7 right.
TOY_ACCURACY = 5 / 7 * 100
# Recall a: 1/2, b: 3/3, c: 1/2.
TOY_RECALL = (1 / 2 + 1 + 1 / 2) / 3 * 100
# AUC = share of (positive, negative) pairs ranked right, ties count 1/2.
# a: positives 0.7, 0.4 vs negatives 0.1 0.2 0.3 0.1 0.5 -> (5 + 4) / 10
# b: positives 0.8, 0.6, 0.4 vs negatives 0.2 0.5 0.3 0.2 -> (4 + 4 + 3) / 12
# c: positives 0.6, 0.3 vs negatives 0.1 0.1 0.1 0.2 0.3 -> (5 + 4.5) / 10
TOY_AUC = (9 / 10 + 11 / 12 + 9.5 / 10) / 3 * 100
TOY_CONFUSION = [[1, 1, 0], [0, 3, 0], [1, 0, 1]]
# What ChromosomeMetric(per_type=True) outputs for the toy.
TOY_PER_TYPE_RESULT = {
    'chromosome/accuracy': TOY_ACCURACY,
    'chromosome/recall': TOY_RECALL,
    'chromosome/auc': TOY_AUC,
    'chromosome/recall_a': 50.0,
    'chromosome/recall_b': 100.0,
    'chromosome/recall_c': 50.0,
}


# A hand-made confusion of 5 types (rows true, columns predicted): 'd' has
# no sample but is predicted once, 'e' has none and is never predicted.
HAND_CLASSES = ('a', 'b', 'c', 'd', 'e')
HAND_CONFUSION = np.array([
    [2, 1, 0, 1, 0],
    [0, 3, 0, 0, 0],
    [1, 0, 1, 0, 0],
    [0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0],
])
# 6 of 9 right.
HAND_ACCURACY = 6 / 9 * 100
# Recall a: 2/4, b: 3/3, c: 1/2; over the present types, or also over the
# predicted type 'd' with recall 0 ('all', as torchmetrics).
HAND_RECALL_PRESENT = (1 / 2 + 1 + 1 / 2) / 3 * 100
HAND_RECALL_ALL = (1 / 2 + 1 + 1 / 2 + 0) / 4 * 100
# One-hot scores: a sample scores 1 for its predicted type, 0 elsewhere.
# a: positives 1 1 0 0 vs negatives 0 0 0 0 1 -> (4.5 + 4.5 + 2 + 2) / 20
# b: positives 1 1 1 vs negatives 1 0 0 0 0 0 -> 3 * 5.5 / 18
# c: positives 1 0 vs 7 negatives 0 -> (7 + 3.5) / 14
HAND_AUC = (13 / 20 + 16.5 / 18 + 10.5 / 14) / 3 * 100


def hand_made_predictions():
    """One-hot scores and labels of the samples of HAND_CONFUSION."""
    true, pred = np.nonzero(HAND_CONFUSION)
    counts = HAND_CONFUSION[true, pred]
    labels = np.repeat(true, counts)
    scores = np.eye(len(HAND_CLASSES))[np.repeat(pred, counts)]
    return scores, labels


def make_samples(scores, labels):
    return [
        DataSample().set_gt_label(int(label)).set_pred_score(
            torch.tensor(score, dtype=torch.float32)).to_dict()
        for score, label in zip(scores, labels)
    ]


def evaluate(metric, scores, labels, batch_size=3):
    samples = make_samples(scores, labels)
    for start in range(0, len(samples), batch_size):
        metric.process(None, samples[start:start + batch_size])
    return metric.evaluate(len(samples))


class RecordHandler(logging.Handler):

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def warnings_log():
    logger = MMLogger.get_current_instance()
    handler = RecordHandler()
    logger.addHandler(handler)
    yield handler.messages
    logger.removeHandler(handler)


def test_toy_values_by_hand(warnings_log):
    metric = ChromosomeMetric(classes=TOY_CLASSES, per_type=True)
    result = evaluate(metric, TOY_SCORES, TOY_LABELS)
    assert result == pytest.approx(TOY_PER_TYPE_RESULT)
    assert all(isinstance(v, float) for v in result.values())
    assert warnings_log == []
    # evaluate() clears the stored results for the next round.
    assert metric.results == []


def test_matches_sklearn_ovr_on_all_types():
    rng = np.random.default_rng(0)
    labels = np.arange(240) % 24
    logits = rng.normal(size=(240, 24)) + 2 * np.eye(24)[labels]
    scores = torch.softmax(torch.tensor(logits), dim=1).numpy()
    result = evaluate(
        ChromosomeMetric(), scores.astype(np.float32), labels, batch_size=32)
    preds = scores.argmax(1)
    assert result['chromosome/accuracy'] == pytest.approx(
        (preds == labels).mean() * 100)
    assert result['chromosome/recall'] == pytest.approx(
        recall_score(labels, preds, average='macro') * 100)
    assert result['chromosome/auc'] == pytest.approx(
        roc_auc_score(labels, scores, multi_class='ovr', average='macro') *
        100)
    assert 'chromosome/recall_1' not in result


def test_absent_type_is_warned_and_left_out(warnings_log):
    # A fourth type 'd' with no sample and zero scores: the present types'
    # score columns and predictions are unchanged, so are the averages.
    scores = [row + [0.0] for row in TOY_SCORES]
    metric = ChromosomeMetric(classes=('a', 'b', 'c', 'd'), per_type=True)
    result = evaluate(metric, scores, TOY_LABELS)
    assert result == pytest.approx(TOY_PER_TYPE_RESULT)
    assert len(warnings_log) == 1
    assert "['d']" in warnings_log[0]
    assert '3 present types' in warnings_log[0]


def test_absent_chromosome_types_averaged_over_present(warnings_log):
    rng = np.random.default_rng(1)
    present = [i for i in range(24) if CHROMOSOME_CATEGORIES[i] not in
               ('21', 'Y')]
    labels = np.repeat(present, 5)
    scores = rng.dirichlet(np.ones(24), size=len(labels)).astype(np.float32)
    result = evaluate(
        ChromosomeMetric(per_type=True), scores, labels, batch_size=16)
    aucs = [
        roc_auc_score(labels == i, scores[:, i].astype(np.float64))
        for i in present
    ]
    recalls = recall_score(
        labels, scores.argmax(1), labels=present, average=None)
    assert result['chromosome/auc'] == pytest.approx(np.mean(aucs) * 100)
    assert result['chromosome/recall'] == pytest.approx(
        np.mean(recalls) * 100)
    assert 'chromosome/recall_Y' not in result
    assert 'chromosome/recall_21' not in result
    assert result['chromosome/recall_X'] == pytest.approx(recalls[-1] * 100)
    assert len(warnings_log) == 1
    assert "['21', 'Y']" in warnings_log[0]


def test_single_present_type_gives_nan_auc(warnings_log):
    result = evaluate(
        ChromosomeMetric(classes=TOY_CLASSES), TOY_SCORES[:2], [0, 0])
    assert result['chromosome/accuracy'] == 50.0
    assert result['chromosome/recall'] == 50.0
    assert math.isnan(result['chromosome/auc'])
    assert any('fewer than two types' in m for m in warnings_log)


def test_two_present_types():
    # Only types a and c present: label_binarize's two-class case.
    scores = [TOY_SCORES[i] for i in (0, 1, 5, 6)]
    result = evaluate(
        ChromosomeMetric(classes=TOY_CLASSES), scores, [0, 0, 2, 2])
    # a: 0.7, 0.4 vs 0.1, 0.5 -> 3/4; c: 0.6, 0.3 vs 0.1, 0.1 -> 4/4.
    assert result['chromosome/auc'] == pytest.approx((3 / 4 + 1) / 2 * 100)


def test_scores_not_summing_to_one(warnings_log):
    # float32 rounding error is tolerated silently.
    noisy = (np.array(TOY_SCORES) * (1 + 1e-6)).tolist()
    result = evaluate(ChromosomeMetric(classes=TOY_CLASSES), noisy,
                      TOY_LABELS)
    assert result['chromosome/auc'] == pytest.approx(TOY_AUC)
    assert warnings_log == []
    # Scaled scores keep every column's ranking: same AUC, but a warning.
    scaled = (np.array(TOY_SCORES) * 10).tolist()
    result = evaluate(ChromosomeMetric(classes=TOY_CLASSES), scaled,
                      TOY_LABELS)
    assert result['chromosome/auc'] == pytest.approx(TOY_AUC)
    assert len(warnings_log) == 1
    assert 'do not sum to 1' in warnings_log[0]


def test_confusion_matrix_csv(tmp_path):
    out_file = tmp_path / 'sub' / 'confusion.csv'
    metric = ChromosomeMetric(
        classes=TOY_CLASSES, confusion_matrix_file=str(out_file))
    evaluate(metric, TOY_SCORES, TOY_LABELS)
    with open(out_file, newline='') as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['true/pred', 'a', 'b', 'c']
    assert [row[0] for row in rows[1:]] == list(TOY_CLASSES)
    assert [[int(v) for v in row[1:]] for row in rows[1:]] == TOY_CONFUSION


def test_confusion_matrix_csv_lists_absent_types(tmp_path):
    out_file = tmp_path / 'confusion.csv'
    metric = ChromosomeMetric(confusion_matrix_file=str(out_file))
    scores = np.eye(24, dtype=np.float32)[[0, 0, 22]]
    evaluate(metric, scores, [0, 1, 22])
    with open(out_file, newline='') as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['true/pred', *CHROMOSOME_CATEGORIES]
    matrix = np.array([[int(v) for v in row[1:]] for row in rows[1:]])
    expected = np.zeros((24, 24), dtype=int)
    expected[0, 0] = expected[1, 0] = expected[22, 22] = 1
    np.testing.assert_array_equal(matrix, expected)


def test_build_from_registry_and_evaluator():
    metric = METRICS.build(dict(type='ChromosomeMetric', per_type=True))
    assert isinstance(metric, ChromosomeMetric)
    evaluator = Evaluator(metric)
    evaluator.dataset_meta = dict(classes=CHROMOSOME_CATEGORIES)
    labels = list(range(24)) * 2
    # Every sample right but the first, predicted as '2'.
    scores = np.eye(24, dtype=np.float32)[labels]
    scores[0] = np.eye(24, dtype=np.float32)[1]
    for start in range(0, 48, 16):
        evaluator.process([
            DataSample().set_gt_label(label).set_pred_score(
                torch.from_numpy(score))
            for score, label in zip(scores[start:start + 16],
                                    labels[start:start + 16])
        ])
    result = evaluator.evaluate(48)
    assert result['chromosome/accuracy'] == pytest.approx(47 / 48 * 100)
    assert result['chromosome/recall'] == pytest.approx(
        (23 + 0.5) / 24 * 100)
    # Type '1': positives score 0 and 1 against negatives all 0 -> 0.75;
    # type '2': positives 1, 1 against 45 zeros and one 1 -> 91 / 92.
    expected_auc = (0.75 + 91 / 92 + 22) / 24 * 100
    assert result['chromosome/auc'] == pytest.approx(expected_auc)
    assert result['chromosome/recall_1'] == 50.0
    assert result['chromosome/recall_Y'] == 100.0
    assert len(result) == 3 + 24


def test_classes_from_dataset_meta_and_prefix():
    metric = METRICS.build(dict(type='ChromosomeMetric', per_type=True,
                                prefix='val'))
    metric.dataset_meta = dict(classes=TOY_CLASSES)
    result = evaluate(metric, TOY_SCORES, TOY_LABELS)
    assert set(result) == {
        'val/accuracy', 'val/recall', 'val/auc', 'val/recall_a',
        'val/recall_b', 'val/recall_c'
    }


def test_padded_samples_are_dropped():
    # Distributed samplers pad the last batch; evaluate(size) keeps the
    # first `size` results, which works because results are per sample.
    metric = ChromosomeMetric(classes=TOY_CLASSES)
    samples = make_samples(TOY_SCORES + [TOY_SCORES[0]], TOY_LABELS + [1])
    metric.process(None, samples)
    assert len(metric.results) == 8
    assert metric.evaluate(7)['chromosome/auc'] == pytest.approx(TOY_AUC)


def test_results_survive_pickle():
    metric = ChromosomeMetric(classes=TOY_CLASSES)
    metric.process(None, make_samples(TOY_SCORES, TOY_LABELS))
    results = pickle.loads(pickle.dumps(metric.results))
    assert results[0]['pred_score'].dtype == np.float32
    assert metric.compute_metrics(results)['auc'] == pytest.approx(TOY_AUC)


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(classes='abc'), TypeError, 'sequence of type names'),
    (dict(classes=('a', 'a')), ValueError, 'distinct'),
    (dict(confusion_matrix_file='cm.npy'), ValueError, r'\.csv'),
])
def test_bad_settings(kwargs, error, match):
    with pytest.raises(error, match=match):
        ChromosomeMetric(**kwargs)


def test_bad_inputs():
    metric = ChromosomeMetric(classes=TOY_CLASSES)
    sample = make_samples(TOY_SCORES[:1], [0])[0]
    del sample['pred_score']
    with pytest.raises(ValueError, match='pred_score'):
        metric.process(None, [sample])

    with pytest.raises(ValueError, match='single-label'):
        metric.process(None, [
            DataSample().set_gt_label([0, 1]).set_pred_score(
                torch.tensor(TOY_SCORES[0])).to_dict()
        ])

    with pytest.raises(ValueError, match='no predictions'):
        metric.compute_metrics([])

    metric.process(None, make_samples(TOY_SCORES[:2], [0, 3]))
    with pytest.raises(ValueError, match=r'\[0, 3\)'):
        metric.compute_metrics(metric.results)

    metric = ChromosomeMetric()
    metric.dataset_meta = dict(classes=TOY_CLASSES)
    metric.process(None, make_samples(np.eye(24)[:2], [0, 1]))
    with pytest.raises(ValueError, match="dataset's meta `classes`"):
        metric.compute_metrics(metric.results)

    metric = ChromosomeMetric(classes=TOY_CLASSES)
    metric.process(None, make_samples([[float('nan'), 0.5, 0.5]], [0]))
    with pytest.raises(ValueError, match='NaN'):
        metric.compute_metrics(metric.results)


def test_calculate_on_hand_made_confusion(warnings_log):
    scores, labels = hand_made_predictions()
    result = ChromosomeMetric.calculate(
        torch.from_numpy(scores), torch.from_numpy(labels), HAND_CLASSES,
        per_type=True)
    assert result == pytest.approx(dict(
        accuracy=HAND_ACCURACY, recall=HAND_RECALL_PRESENT, auc=HAND_AUC,
        recall_a=50., recall_b=100., recall_c=50.))
    assert list(result)[:3] == list(METRIC_LABELS)
    assert len(warnings_log) == 1
    assert "['d', 'e']" in warnings_log[0]


def test_average_over_all_counts_predicted_absent_types(warnings_log):
    scores, labels = hand_made_predictions()
    result = ChromosomeMetric.calculate(
        scores, labels, HAND_CLASSES, average_over='all', per_type=True)
    assert result == pytest.approx(dict(
        accuracy=HAND_ACCURACY, recall=HAND_RECALL_ALL, auc=HAND_AUC,
        recall_a=50., recall_b=100., recall_c=50., recall_d=0.))
    assert 'recall is averaged over 4 types' in warnings_log[0]
    # The same through the metric of a config.
    metric = METRICS.build(
        dict(type='ChromosomeMetric', classes=HAND_CLASSES,
             average_over='all'))
    assert evaluate(metric, scores.tolist(), labels) == pytest.approx({
        'chromosome/accuracy': HAND_ACCURACY,
        'chromosome/recall': HAND_RECALL_ALL,
        'chromosome/auc': HAND_AUC,
    })
    # Without absent types, both averages are the same.
    assert ChromosomeMetric.calculate(
        TOY_SCORES, TOY_LABELS, TOY_CLASSES,
        average_over='all')['recall'] == pytest.approx(TOY_RECALL)


def test_calculate_defaults_and_bad_arguments():
    # Type k predicted as type 23 - k: all wrong. The score of type k is
    # 0 for its sample and for 22 others (ties), 1 for one other sample.
    labels = np.arange(24)
    scores = np.eye(24)[23 - labels]
    result = ChromosomeMetric.calculate(scores, labels, per_type=True)
    assert result == pytest.approx(dict(
        accuracy=0., recall=0., auc=11 / 23 * 100,
        **{f'recall_{name}': 0. for name in CHROMOSOME_CATEGORIES}))
    with pytest.raises(ValueError, match='average_over'):
        ChromosomeMetric(average_over='present_or_predicted')
    with pytest.raises(ValueError, match='average_over'):
        ChromosomeMetric.calculate(scores, labels, average_over='macro')
    with pytest.raises(ValueError, match='one label per score row'):
        ChromosomeMetric.calculate(scores, labels[:3])
    with pytest.raises(ValueError, match='24 type names'):
        ChromosomeMetric.calculate(TOY_SCORES, TOY_LABELS)
