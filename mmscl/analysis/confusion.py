"""Confusion matrices of chromosome type predictions."""
import csv
from typing import List, Sequence, Tuple

import numpy as np
from sklearn.metrics import confusion_matrix


def confusion_counts(labels: np.ndarray, pred_labels: np.ndarray,
                     num_classes: int) -> np.ndarray:
    """The count confusion matrix: rows are true types, columns predicted
    types, both in label index order.

    Args:
        labels (np.ndarray): True label indices, shape (N, ).
        pred_labels (np.ndarray): Predicted label indices, shape (N, ).
        num_classes (int): Number of types.

    Returns:
        np.ndarray: int64 counts, shape (num_classes, num_classes).
    """
    return confusion_matrix(
        labels, pred_labels, labels=np.arange(num_classes)).astype(np.int64)


def row_normalise(counts: np.ndarray) -> np.ndarray:
    """Each row divided by its sum (the fraction of a true type predicted
    as each type, in percent); rows of absent types stay 0."""
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(
        counts * 100.,
        totals,
        out=np.zeros(counts.shape, dtype=np.float64),
        where=totals > 0)


def top_confused_pairs(counts: np.ndarray,
                       top_k: int) -> List[Tuple[int, int, int]]:
    """The most frequent errors, largest first.

    Args:
        counts (np.ndarray): A count confusion matrix.
        top_k (int): How many (true, predicted) pairs to return at most.

    Returns:
        list[tuple[int, int, int]]: ``(true index, predicted index, count)``
        of the off-diagonal cells with a count above 0; ties in label order.
    """
    errors = counts.copy()
    np.fill_diagonal(errors, 0)
    order = np.argsort(-errors, axis=None, kind='stable')[:top_k]
    pairs = []
    for flat in order:
        true, pred = np.unravel_index(flat, errors.shape)
        if errors[true, pred] == 0:
            break
        pairs.append((int(true), int(pred), int(errors[true, pred])))
    return pairs


def write_confusion_csv(path: str, matrix: np.ndarray,
                        classes: Sequence[str], fmt: str = '{}') -> None:
    """Write a confusion matrix with type names as CSV.

    The header row is ``true/pred`` followed by the predicted type names;
    each row starts with its true type name, as ChromosomeMetric writes.

    Args:
        path (str): The .csv file.
        matrix (np.ndarray): The matrix, rows true, columns predicted.
        classes (Sequence[str]): Type names in label index order.
        fmt (str): Format of every value. Defaults to '{}'.
    """
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['true/pred', *classes])
        for name, row in zip(classes, matrix.tolist()):
            writer.writerow([name, *(fmt.format(value) for value in row)])
