"""Cell-level metrics: crops labelled jointly per cell under the normal
cell's slots (see :mod:`mmscl.karyotype.assignment`)."""
import logging
from typing import Dict, Hashable, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmpretrain.registry import METRICS
from mmpretrain.structures.data_sample import format_label
from sklearn.metrics import recall_score

from mmscl.karyotype import (DEFAULT_CONFIDENCE, assign_cell, cell_sex,
                             group_by_cell)
from .chromosome_metric import check_scored_samples


@METRICS.register_module()
class KaryotypeMetric(BaseMetric):
    """Crop and cell metrics of a classifier, with and without the
    constraint that a cell holds two of each autosome and XX or XY.

    The crops of every cell (``cell_id`` in the data samples' metainfo,
    which :class:`~mmscl.datasets.ChromosomeDataset` puts there from its
    annotation) are labelled jointly by
    :func:`~mmscl.karyotype.assign_cell`. Put it beside
    :class:`ChromosomeMetric`:

    .. code-block:: python

        test_evaluator = [dict(type='ChromosomeMetric'),
                          dict(type='KaryotypeMetric')]

    Outputs, in percent:

    - ``accuracy`` / ``accuracy_constrained``: crop accuracy of the argmax
      and of the constrained labelling.
    - ``recall`` / ``recall_constrained``: macro recall over the present
      types, the same two ways.
    - ``cell_accuracy`` / ``cell_accuracy_constrained``: cells all of whose
      crops are right.
    - ``sex_accuracy``: cells whose inferred sex is the true one, over the
      ``sexed_cells`` whose true sex is known (``'XY'`` when the cell holds
      a Y crop, ``'XX'`` when two X crops; see
      :func:`~mmscl.karyotype.cell_sex`); left out when there are none.
    - ``flagged_cells``: cells with a possible gain (see
      :class:`~mmscl.karyotype.CellAssignment`).

    and the counts ``cells`` and ``not_cells``. Groups of crops that cannot
    be one cell (see :func:`~mmscl.karyotype.why_not_one_cell`: a case id
    used as ``cell_id``, merged cells) are counted in ``not_cells`` with a
    warning naming them, and left unconstrained: their crops count at their
    predictions in the crop metrics and nowhere in the cell metrics (left
    out when no group is a cell).

    Predictions without a ``cell_id`` (a CSV without that column, class
    folders) give a warning and no metrics.

    Args:
        confidence (float): Top score from which a crop counts as confident
            for the gain flag. Defaults to
            :data:`~mmscl.karyotype.DEFAULT_CONFIDENCE`.
        collect_device (str): 'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to
            None, which means ``'karyotype'``.
        collect_dir (str, optional): Synchronize directory for collecting
            data from different ranks. Defaults to None.
    """
    default_prefix: Optional[str] = 'karyotype'

    def __init__(self,
                 confidence: float = DEFAULT_CONFIDENCE,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(collect_device, prefix, collect_dir)
        if not 0 < confidence <= 1:
            raise ValueError('KaryotypeMetric: confidence must be in (0, 1], '
                             f'got {confidence}.')
        self.confidence = confidence

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Store the scores, true label and cell id of every sample."""
        check_scored_samples(data_samples, 'KaryotypeMetric')
        for sample in data_samples:
            self.results.append(
                dict(
                    pred_score=sample['pred_score'].detach().to(
                        'cpu', torch.float32).numpy(),
                    gt_label=int(format_label(sample['gt_label'])[0]),
                    cell_id=sample.get('cell_id')))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Compute the metrics of all cells from the collected results."""
        if not results:
            raise ValueError('KaryotypeMetric got no predictions to '
                             'evaluate.')
        without_cell = sum(res['cell_id'] is None for res in results)
        if without_cell:
            print_log(
                f'KaryotypeMetric: {without_cell} of {len(results)} test '
                'samples have no cell_id (the annotation has no cell_id '
                'column, or the data are class folders), so crops cannot '
                'be grouped into cells: no cell-level metrics, only the '
                'crop metrics of the other evaluators.',
                logger='current',
                level=logging.WARNING)
            return {}
        return self.calculate(
            np.stack([res['pred_score'] for res in results]),
            np.array([res['gt_label'] for res in results]),
            [res['cell_id'] for res in results], self.confidence)

    @staticmethod
    def calculate(scores: np.ndarray,
                  labels: np.ndarray,
                  cell_ids: Sequence[Hashable],
                  confidence: float = DEFAULT_CONFIDENCE
                  ) -> Dict[str, float]:
        """The metrics of a set of cells.

        Args:
            scores (np.ndarray): Softmax scores, shape (N, 24).
            labels (np.ndarray): True label indices, shape (N, ).
            cell_ids (Sequence): Cell id of every crop, length N.
            confidence (float): See :class:`KaryotypeMetric`.

        Returns:
            dict[str, float]: The metrics named in :class:`KaryotypeMetric`,
            in percent, and the counts ``cells``, ``sexed_cells`` and
            ``not_cells``.
        """
        scores = np.asarray(scores)
        labels = np.asarray(labels)
        if not len(scores) == len(labels) == len(cell_ids):
            raise ValueError(
                f'KaryotypeMetric: {len(scores)} scores, {len(labels)} '
                f'labels and {len(cell_ids)} cell ids; one of each per crop.')
        constrained = np.empty_like(labels)
        cell_correct, cell_correct_free, sex_correct, flagged = [], [], [], []
        not_cells = []
        for cell_id, indices in group_by_cell(cell_ids).items():
            assignment = assign_cell(scores[indices], confidence)
            constrained[indices] = assignment.labels
            if assignment.not_a_cell:
                not_cells.append(f'{cell_id!r} ({assignment.not_a_cell})')
                continue
            truth = labels[indices]
            cell_correct.append((assignment.labels == truth).all())
            cell_correct_free.append((assignment.pred_labels == truth).all())
            if cell_sex(truth) is not None:
                sex_correct.append(assignment.sex == cell_sex(truth))
            flagged.append(bool(assignment.gains))
        if not_cells:
            print_log(
                f'KaryotypeMetric: {len(not_cells)} of '
                f'{len(not_cells) + len(cell_correct)} cell_id groups cannot '
                f'be one cell, e.g. {", ".join(not_cells[:3])}: left '
                'unconstrained and out of the cell metrics. Is cell_id a '
                'case or patient id?',
                logger='current',
                level=logging.WARNING)
        predictions = scores.argmax(axis=1)
        present = np.unique(labels)

        def recall(pred):
            return float(
                recall_score(labels, pred, labels=present, average='macro',
                             zero_division=0) * 100)

        metrics = dict(
            accuracy=float((predictions == labels).mean() * 100),
            accuracy_constrained=float((constrained == labels).mean() * 100),
            recall=recall(predictions),
            recall_constrained=recall(constrained))
        if cell_correct:
            metrics.update(
                cell_accuracy=float(np.mean(cell_correct_free) * 100),
                cell_accuracy_constrained=float(np.mean(cell_correct) * 100),
                flagged_cells=float(np.mean(flagged) * 100))
        if sex_correct:
            metrics['sex_accuracy'] = float(np.mean(sex_correct) * 100)
        metrics.update(cells=float(len(cell_correct)),
                       sexed_cells=float(len(sex_correct)),
                       not_cells=float(len(not_cells)))
        return metrics
