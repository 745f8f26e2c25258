"""Whole-set chromosome classification metrics: Accuracy, Recall and AUC."""
import csv
import logging
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmpretrain.registry import METRICS
from mmpretrain.structures.data_sample import format_label
from sklearn.metrics import (accuracy_score, confusion_matrix, recall_score,
                             roc_auc_score)
from sklearn.preprocessing import label_binarize

from mmscl.datasets.categories import CHROMOSOME_CATEGORIES

# Softmax rows in float32 sum to 1 within ~1e-6; anything far beyond this
# tolerance means the scores are not probabilities (e.g. raw logits).
SCORE_SUM_TOLERANCE = 1e-3


@METRICS.register_module()
class ChromosomeMetric(BaseMetric):
    """Accuracy, macro Recall and macro one-vs-rest AUC of a single-label
    classifier, computed on the whole evaluation set with scikit-learn.

    These are the three metrics of the SCL chromosome paper:

    - ``accuracy``: top-1 accuracy over all samples.
    - ``recall``: recall of every type, averaged over types (macro).
    - ``auc``: area under the ROC curve of every type against the rest
      (one-vs-rest), averaged over types (macro). Each type's AUC is the
      binary AUC of its own score column, so the scores need not sum
      exactly to 1.

    All values are percentages, like MMPretrain's metrics.

    A type that has no sample in the evaluation set has neither a recall
    nor an AUC. Such types are named in a warning and left out of both
    macro averages, which are taken over the types present in the set (so
    a test set without 'Y' is averaged over 23 types). Predictions *of* an
    absent type still count as errors in accuracy and in the recall of the
    true type.

    Every data sample must carry ``pred_score`` (the softmax scores over all
    types) and ``gt_label``. The type names are, in order of priority, the
    ``classes`` argument, ``dataset_meta['classes']`` (set by the runner
    from the evaluation dataset) and
    :data:`mmscl.datasets.categories.CHROMOSOME_CATEGORIES`.

    Args:
        classes (Sequence[str], optional): The type names, in label index
            order. Defaults to None, which means the dataset's classes or the
            24 chromosome types.
        per_type (bool): Whether to also output the recall of every present
            type as ``recall_{type name}``. Defaults to False.
        confusion_matrix_file (str, optional): A ``.csv`` path to write the
            count confusion matrix to at every evaluation (rows: true type,
            columns: predicted type, both headed by the type names). Defaults
            to None, which writes nothing.
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
    """
    default_prefix: Optional[str] = 'chromosome'

    def __init__(self,
                 classes: Optional[Sequence[str]] = None,
                 per_type: bool = False,
                 confusion_matrix_file: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(collect_device, prefix, collect_dir)
        if classes is not None:
            if isinstance(classes, str) or not all(
                    isinstance(name, str) for name in classes):
                raise TypeError(
                    'ChromosomeMetric: `classes` must be a sequence of type '
                    f'names (str), got {classes!r}.')
            if len(classes) < 2 or len(set(classes)) != len(classes):
                raise ValueError(
                    'ChromosomeMetric: `classes` must hold at least two '
                    f'distinct type names, got {classes!r}.')
            classes = tuple(classes)
        if confusion_matrix_file is not None and not str(
                confusion_matrix_file).lower().endswith('.csv'):
            raise ValueError(
                'ChromosomeMetric: `confusion_matrix_file` must be a .csv '
                f'path, got {confusion_matrix_file!r}.')
        self.classes = classes
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
        for data_sample in data_samples:
            for key in ('pred_score', 'gt_label'):
                if key not in data_sample:
                    raise ValueError(
                        f'ChromosomeMetric needs `{key}` in every data '
                        f'sample, got keys {sorted(data_sample)}.')
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
            dict[str, float]: ``accuracy``, ``recall`` and ``auc`` in percent,
            plus ``recall_{type name}`` of every present type if
            ``per_type``. ``auc`` is NaN when fewer than two types are
            present.
        """
        if not results:
            raise ValueError('ChromosomeMetric got no predictions to '
                             'evaluate.')
        classes, classes_source = self._get_classes()
        num_classes = len(classes)
        scores = np.stack([res['pred_score'] for res in results])
        labels = np.fromiter((res['gt_label'] for res in results),
                             dtype=np.int64,
                             count=len(results))
        self._check_inputs(scores, labels, num_classes, classes_source)

        preds = scores.argmax(axis=1)
        present = np.unique(labels)
        absent = [classes[i] for i in range(num_classes) if i not in present]
        if absent:
            print_log(
                f'ChromosomeMetric: the types {absent} have no sample in the '
                'evaluation set; recall and AUC are averaged over the '
                f'{len(present)} present types.',
                logger='current',
                level=logging.WARNING)

        type_recalls = recall_score(
            labels, preds, labels=present, average=None, zero_division=0)
        metrics = dict(
            accuracy=float(accuracy_score(labels, preds) * 100),
            recall=float(type_recalls.mean() * 100),
            auc=self._macro_auc(labels, scores, present))
        if self.per_type:
            for index, type_recall in zip(present, type_recalls):
                metrics[f'recall_{classes[index]}'] = float(type_recall * 100)

        if self.confusion_matrix_file is not None:
            self._write_confusion_matrix(
                confusion_matrix(
                    labels, preds, labels=np.arange(num_classes)), classes)
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
    def _check_inputs(scores: np.ndarray, labels: np.ndarray,
                      num_classes: int, classes_source: str) -> None:
        """Raise on scores or labels that do not fit the type names."""
        if scores.ndim != 2 or scores.shape[1] != num_classes:
            raise ValueError(
                f'ChromosomeMetric: `pred_score` has shape '
                f'{scores.shape[1:]} per sample but {classes_source} names '
                f'{num_classes} types.')
        if not np.isfinite(scores).all():
            raise ValueError('ChromosomeMetric: `pred_score` holds NaN or '
                             'infinite values.')
        if labels.min() < 0 or labels.max() >= num_classes:
            raise ValueError(
                f'ChromosomeMetric: `gt_label` values must be in '
                f'[0, {num_classes}) for the {num_classes} types of '
                f'{classes_source}, got [{labels.min()}, {labels.max()}].')
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

    def _write_confusion_matrix(self, matrix: np.ndarray,
                                classes: Sequence[str]) -> None:
        """Write the count confusion matrix with type names to the CSV."""
        out_dir = osp.dirname(osp.abspath(self.confusion_matrix_file))
        os.makedirs(out_dir, exist_ok=True)
        with open(self.confusion_matrix_file, 'w', newline='') as f:
            writer = csv.writer(f)
            writer.writerow(['true/pred', *classes])
            for name, row in zip(classes, matrix.tolist()):
                writer.writerow([name, *row])
