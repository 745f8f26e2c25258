"""Whole-set chromosome classification metrics: Accuracy, Recall and AUC."""
import logging
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmpretrain.registry import METRICS
from mmpretrain.structures.data_sample import format_label
from sklearn.metrics import accuracy_score, recall_score, roc_auc_score
from sklearn.preprocessing import label_binarize

from mmscl.datasets.categories import CHROMOSOME_CATEGORIES
from mmscl.karyotype.balance import balance_autosomes
from ..confusion import confusion_counts, write_confusion_csv

# The metrics of the SCL paper: their keys in the output of
# ChromosomeMetric (after its prefix, 'chromosome/accuracy' by default)
# and their names in tables, in table order.
METRIC_LABELS = {'accuracy': 'Accuracy', 'recall': 'Recall', 'auc': 'AUC'}
# What the macro recall can be averaged over (see ChromosomeMetric).
AVERAGE_OVER = ('present', 'all')
# Softmax rows in float32 sum to 1 within ~1e-6; anything far beyond this
# tolerance means the scores are not probabilities (e.g. raw logits).
SCORE_SUM_TOLERANCE = 1e-3

ArrayLike = Union[torch.Tensor, np.ndarray, Sequence]


def check_scored_samples(data_samples: Sequence[dict], metric: str) -> None:
    """Refuse data samples without a ``pred_score`` or ``gt_label``,
    naming the metric that needs them."""
    for sample in data_samples:
        for key in ('pred_score', 'gt_label'):
            if key not in sample:
                raise ValueError(
                    f'{metric} needs `{key}` in every data sample, got '
                    f'keys {sorted(sample)}.')


@METRICS.register_module()
class ChromosomeMetric(BaseMetric):
    """Accuracy, macro Recall and macro one-vs-rest AUC of a single-label
    classifier, computed on the whole evaluation set with scikit-learn.

    These are the three metrics of the SCL chromosome paper (their table
    names are :data:`METRIC_LABELS`):

    - ``accuracy``: top-1 accuracy over all samples.
    - ``recall``: recall of every type, averaged over types (macro).
    - ``auc``: area under the ROC curve of every type against the rest
      (one-vs-rest), averaged over types (macro). Each type's AUC is the
      binary AUC of its own score column, so the scores need not sum
      exactly to 1.

    All values are percentages, like MMPretrain's metrics.

    A type without any sample in the evaluation set has no recall
    (0 / 0) and no ROC curve. Such types are named in a warning, and
    ``average_over`` chooses which types the macro recall is taken over:

    - ``'present'`` (default): the types with a sample in the set (a test
      set without 'Y' is averaged over 23 types). Predictions *of* an
      absent type are errors in accuracy and in the recall of their true
      type only.
    - ``'all'``: as the paper authors' torchmetrics macro recall, the types
      that are present *or predicted*: a type predicted although it has no
      sample counts with recall 0; a type neither present nor predicted
      is left out, as torchmetrics does.

    The AUC is always averaged over the present types.

    Every data sample must carry ``pred_score`` (the softmax scores over all
    types) and ``gt_label``. The type names are, in order of priority, the
    ``classes`` argument, ``dataset_meta['classes']`` (set by the runner
    from the evaluation dataset) and
    :data:`mmscl.datasets.categories.CHROMOSOME_CATEGORIES`.

    Args:
        classes (Sequence[str], optional): The type names, in label index
            order. Defaults to None, which means the dataset's classes or the
            24 chromosome types.
        average_over (str): The types the macro recall is averaged over,
            ``'present'`` or ``'all'`` (see above). Defaults to 'present'.
        per_type (bool): Whether to also output the recall of every type
            the recall is averaged over as ``recall_{type name}``.
            Defaults to False.
        confusion_matrix_file (str, optional): A ``.csv`` path to write the
            count confusion matrix to at every evaluation (rows: true type,
            columns: predicted type, both headed by the type names). Defaults
            to None, which writes nothing.
        balance_autosomes (bool): Whether to score the set as crops of
            whole cells: before the metrics, the scores are scaled so that
            every autosome is predicted equally often over the set
            (:func:`~mmscl.karyotype.balance.balance_autosomes`; no cell
            ids or labels read). ``tools/test.py --balance-types`` sets it.
            Only for the 24 chromosome types. Defaults to False.
        collect_device (str): Device name used for collecting results from
            different ranks during distributed training. Must be 'cpu' or
            'gpu'. Defaults to 'cpu'.
        prefix (str, optional): The prefix that will be added in the metric
            names to disambiguate homonymous metrics of different evaluators.
            Defaults to None, which means ``'chromosome'``.
        collect_dir (str, optional): Synchronize directory for collecting
            data from different ranks. Only with ``collect_device='cpu'``.
            Defaults to None.

    Examples:
        >>> import mmscl.evaluation  # registers ChromosomeMetric
        >>> val_evaluator = dict(
        ...     type='ChromosomeMetric',
        ...     per_type=True,
        ...     confusion_matrix_file='work_dirs/confusion_matrix.csv')
        >>> # The same metrics of scores and labels at hand:
        >>> ChromosomeMetric.calculate(
        ...     [[0.9, 0.1], [0.3, 0.7], [0.6, 0.4]], [0, 1, 1],
        ...     classes=('a', 'b'))
        {'accuracy': 66.66666666666666, 'recall': 75.0, 'auc': 100.0}
    """
    default_prefix: Optional[str] = 'chromosome'

    def __init__(self,
                 classes: Optional[Sequence[str]] = None,
                 average_over: str = 'present',
                 per_type: bool = False,
                 confusion_matrix_file: Optional[str] = None,
                 balance_autosomes: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(collect_device, prefix, collect_dir)
        if classes is not None:
            classes = self._check_classes(classes)
        self._check_average_over(average_over)
        if confusion_matrix_file is not None and not str(
                confusion_matrix_file).lower().endswith('.csv'):
            raise ValueError(
                'ChromosomeMetric: `confusion_matrix_file` must be a .csv '
                f'path, got {confusion_matrix_file!r}.')
        if balance_autosomes and classes is not None:
            self._check_balanced_classes(classes, 'the `classes` argument')
        self.classes = classes
        self.balance_autosomes = balance_autosomes
        self.average_over = average_over
        self.per_type = per_type
        self.confusion_matrix_file = confusion_matrix_file

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Store the scores and the true label of every sample of a batch.

        One result per sample (a float32 score vector and an int label), so
        that the padded samples of distributed evaluation are dropped by
        :meth:`BaseMetric.evaluate` and the results stay small and
        picklable.

        Args:
            data_batch: A batch of data from the dataloader.
            data_samples (Sequence[dict]): A batch of outputs from the model.
        """
        check_scored_samples(data_samples, 'ChromosomeMetric')
        scores = torch.stack([s['pred_score'] for s in data_samples])
        labels = torch.cat([format_label(s['gt_label']) for s in data_samples])
        if labels.numel() != len(data_samples):
            raise ValueError('ChromosomeMetric is single-label: every data '
                             'sample must have exactly one `gt_label`.')
        scores = scores.detach().to('cpu', torch.float32).numpy()
        labels = labels.tolist()
        self.results.extend(
            dict(pred_score=score, gt_label=label)
            for score, label in zip(scores, labels))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Compute the metrics of the whole set from the collected results.

        Args:
            results (list[dict]): The per-sample results of all ranks.

        Returns:
            dict[str, float]: See :meth:`calculate`.
        """
        if not results:
            raise ValueError('ChromosomeMetric got no predictions to '
                             'evaluate.')
        classes, classes_source = self._get_classes()
        scores = np.stack([res['pred_score'] for res in results])
        labels = np.fromiter((res['gt_label'] for res in results),
                             dtype=np.int64,
                             count=len(results))
        if self.balance_autosomes:
            self._check_balanced_classes(classes, classes_source)
            scores = balance_autosomes(scores)
        try:
            metrics = self.calculate(scores, labels, classes,
                                     self.average_over, self.per_type)
        except ValueError as error:
            raise ValueError(
                f'{error} The type names are {classes_source}.') from None
        if self.confusion_matrix_file is not None:
            write_confusion_csv(
                self.confusion_matrix_file,
                confusion_counts(labels, scores.argmax(axis=1),
                                 len(classes)), classes)
        return metrics

    @staticmethod
    def calculate(pred_score: ArrayLike,
                  target: ArrayLike,
                  classes: Optional[Sequence[str]] = None,
                  average_over: str = 'present',
                  per_type: bool = False) -> Dict[str, float]:
        """Accuracy, macro Recall and macro one-vs-rest AUC of scores and
        labels at hand (what the metric computes at the end of a test).

        Args:
            pred_score (torch.Tensor | np.ndarray | Sequence): The softmax
                scores of every sample, shape (N, num_classes).
            target (torch.Tensor | np.ndarray | Sequence): The true label
                index of every sample, shape (N, ).
            classes (Sequence[str], optional): The type names, in label
                index order. Defaults to None, which means
                :data:`CHROMOSOME_CATEGORIES`.
            average_over (str): The types the macro recall is averaged
                over, ``'present'`` or ``'all'`` (see
                :class:`ChromosomeMetric`). Defaults to 'present'.
            per_type (bool): Whether to add ``recall_{type name}`` of every
                type the recall is averaged over. Defaults to False.

        Returns:
            dict[str, float]: ``accuracy``, ``recall`` and ``auc`` in
            percent, and the per-type recalls if ``per_type``. ``auc`` is
            NaN when fewer than two types are present.
        """
        classes = (CHROMOSOME_CATEGORIES if classes is None else
                   ChromosomeMetric._check_classes(classes))
        ChromosomeMetric._check_average_over(average_over)
        scores = ChromosomeMetric._as_numpy(pred_score)
        labels = ChromosomeMetric._as_numpy(target)
        ChromosomeMetric._check_inputs(scores, labels, len(classes))
        labels = labels.astype(np.int64)

        preds = scores.argmax(axis=1)
        present = np.unique(labels)
        recall_types = (
            present if average_over == 'present' else np.union1d(
                present, preds))
        absent = [classes[i] for i in range(len(classes)) if i not in present]
        if absent:
            print_log(
                f'ChromosomeMetric: the types {absent} have no sample in the '
                f'evaluation set; recall is averaged over '
                f'{len(recall_types)} types ({average_over!r}), AUC over the '
                f'{len(present)} present types.',
                logger='current',
                level=logging.WARNING)

        type_recalls = recall_score(
            labels, preds, labels=recall_types, average=None, zero_division=0)
        metrics = dict(
            accuracy=float(accuracy_score(labels, preds) * 100),
            recall=float(type_recalls.mean() * 100),
            auc=ChromosomeMetric._macro_auc(labels, scores, present))
        if per_type:
            for index, type_recall in zip(recall_types, type_recalls):
                metrics[f'recall_{classes[index]}'] = float(type_recall * 100)
        return metrics

    def _get_classes(self) -> Tuple[Tuple[str, ...], str]:
        """Return the type names and where they come from (for errors)."""
        if self.classes is not None:
            return self.classes, 'the `classes` argument'
        if self.dataset_meta and self.dataset_meta.get('classes'):
            return (tuple(self.dataset_meta['classes']),
                    "the dataset's meta `classes`")
        return CHROMOSOME_CATEGORIES, 'the default CHROMOSOME_CATEGORIES'

    @staticmethod
    def _check_classes(classes: Sequence[str]) -> Tuple[str, ...]:
        """The type names as a tuple; raise unless they are distinct
        strings."""
        if isinstance(classes, str) or not all(
                isinstance(name, str) for name in classes):
            raise TypeError(
                'ChromosomeMetric: `classes` must be a sequence of type '
                f'names (str), got {classes!r}.')
        if len(classes) < 2 or len(set(classes)) != len(classes):
            raise ValueError(
                'ChromosomeMetric: `classes` must hold at least two '
                f'distinct type names, got {classes!r}.')
        return tuple(classes)

    @staticmethod
    def _check_balanced_classes(classes: Sequence[str], source: str) -> None:
        """Refuse balancing other classes than the 24 types (from
        ``source``, for the error)."""
        if tuple(classes) != CHROMOSOME_CATEGORIES:
            raise ValueError(
                'ChromosomeMetric: balance_autosomes needs the 24 chromosome '
                f'types in karyotype order, got {tuple(classes)} from '
                f'{source}.')

    @staticmethod
    def _check_average_over(average_over: str) -> None:
        if average_over not in AVERAGE_OVER:
            raise ValueError(
                f'ChromosomeMetric: `average_over` must be one of '
                f'{AVERAGE_OVER}, got {average_over!r}.')

    @staticmethod
    def _as_numpy(values: ArrayLike) -> np.ndarray:
        if isinstance(values, torch.Tensor):
            return values.detach().cpu().numpy()
        return np.asarray(values)

    @staticmethod
    def _check_inputs(scores: np.ndarray, labels: np.ndarray,
                      num_classes: int) -> None:
        """Raise on scores or labels that do not fit the type names."""
        if scores.ndim != 2 or scores.shape[1] != num_classes:
            raise ValueError(
                f'ChromosomeMetric: `pred_score` has shape '
                f'{scores.shape[1:]} per sample but there are {num_classes} '
                'type names.')
        if labels.ndim != 1 or len(labels) != len(scores):
            raise ValueError(
                'ChromosomeMetric: needs one label per score row, got '
                f'labels of shape {labels.shape} for {len(scores)} rows.')
        if not len(labels):
            raise ValueError('ChromosomeMetric got no predictions to '
                             'evaluate.')
        if not np.issubdtype(labels.dtype, np.integer):
            raise ValueError('ChromosomeMetric: labels must be integer '
                             f'indices, got {labels.dtype}.')
        if not np.isfinite(scores).all():
            raise ValueError('ChromosomeMetric: `pred_score` holds NaN or '
                             'infinite values.')
        if labels.min() < 0 or labels.max() >= num_classes:
            raise ValueError(
                f'ChromosomeMetric: `gt_label` values must be in '
                f'[0, {num_classes}) for the {num_classes} type names, got '
                f'[{labels.min()}, {labels.max()}].')
        max_sum_error = np.abs(scores.sum(axis=1, dtype=np.float64) - 1).max()
        if max_sum_error > SCORE_SUM_TOLERANCE:
            print_log(
                'ChromosomeMetric: `pred_score` rows do not sum to 1 (off by '
                f'up to {max_sum_error:.3g}); are they logits rather than '
                'softmax scores? AUC is computed on them as given.',
                logger='current',
                level=logging.WARNING)

    @staticmethod
    def _macro_auc(labels: np.ndarray, scores: np.ndarray,
                   present: np.ndarray) -> float:
        """One-vs-rest AUC averaged over the present types, in percent."""
        if len(present) < 2:
            print_log(
                'ChromosomeMetric: AUC is undefined with fewer than two '
                'types in the evaluation set; reporting NaN.',
                logger='current',
                level=logging.WARNING)
            return float('nan')
        # Binary indicator columns of the present types only: the same
        # one-vs-rest AUC as roc_auc_score(multi_class='ovr'), without its
        # requirements that every type be present and rows sum to 1.
        one_vs_rest = label_binarize(labels, classes=present)
        if len(present) == 2:
            # label_binarize returns a single column for two classes.
            one_vs_rest = np.hstack([1 - one_vs_rest, one_vs_rest])
        return float(
            roc_auc_score(
                one_vs_rest, scores[:, present], average='macro') * 100)
