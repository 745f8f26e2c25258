"""Confusion matrices of chromosome type predictions, and their CSV files."""
import csv
import os
import os.path as osp
from typing import Sequence

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


def write_confusion_csv(path: str, matrix: np.ndarray,
                        classes: Sequence[str], fmt: str = '{}') -> None:
    """Write a confusion matrix with type names as CSV, making its folder.

    The header row is ``true/pred`` followed by the predicted type names;
    each row starts with its true type name.

    Args:
        path (str): The .csv file.
        matrix (np.ndarray): The matrix, rows true, columns predicted.
        classes (Sequence[str]): Type names in label index order.
        fmt (str): Format of every value. Defaults to '{}'.
    """
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['true/pred', *classes])
        for name, row in zip(classes, matrix.tolist()):
            writer.writerow([name, *(fmt.format(value) for value in row)])
