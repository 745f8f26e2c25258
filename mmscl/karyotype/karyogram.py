"""Karyograms: a cell's crops laid out by assigned type, drawn with OpenCV
(a core dependency, so the karyotyping tool needs no plotting extra)."""
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from mmscl.datasets.categories import CHROMOSOME_CATEGORIES
from .assignment import CellAssignment

# The standard karyogram: rows of groups of types, left to right.
KARYOGRAM_ROWS = (
    (('1', '2', '3'), ('4', '5')),
    (('6', '7', '8', '9', '10', '11', '12'), ('X', )),
    (('13', '14', '15'), ('16', '17', '18')),
    (('19', '20'), ('21', '22'), ('Y', )),
)
# Crops whose top score is below this are outlined as low-confidence.
LOW_CONFIDENCE = 0.5
# Outline (name, BGR colour) of each kind of crop that needs a second look,
# in order of precedence.
OUTLINES = {
    'extra': ('blue', (200, 90, 0)),  # fits no slot: at its own prediction
    'moved': ('red', (40, 40, 220)),  # the constraint changed its type
    'low confidence': ('orange', (0, 150, 255)),
}
# Gray level below which a pixel is chromosome, not white background.
_FOREGROUND = 250
_TALLEST = 110  # drawn height of the cell's tallest crop, in pixels
_CROP_GAP, _TYPE_GAP, _GROUP_GAP, _LABEL_HEIGHT = 4, 14, 36, 22
_MARGIN, _LINE_HEIGHT = 12, 20
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def trim_to_chromosome(image: np.ndarray) -> np.ndarray:
    """Cut a dark-on-white crop to the bounding box of its dark pixels
    (the whole image if it has none), keeping its pixel scale."""
    dark = image < _FOREGROUND
    rows = np.flatnonzero(dark.any(axis=1))
    cols = np.flatnonzero(dark.any(axis=0))
    if not len(rows):
        return image
    return image[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def crop_outline(assignment: CellAssignment,
                 index: int) -> Optional[Tuple[str, tuple]]:
    """The outline (colour name, BGR) of a crop in a karyogram, or None."""
    if assignment.extra[index]:
        return OUTLINES['extra']
    if assignment.moved[index]:
        return OUTLINES['moved']
    if assignment.confidences[index] < LOW_CONFIDENCE:
        return OUTLINES['low confidence']
    return None


def _draw_text(canvas: np.ndarray, text: str, x: int, y: int,
               scale: float = 0.5, colour: tuple = (0, 0, 0),
               centre: bool = False) -> None:
    """Write text with its baseline at y, starting (or centred) at x."""
    width = cv2.getTextSize(text, _FONT, scale, 1)[0][0]
    origin = (int(x - width / 2) if centre else int(x), int(y))
    cv2.putText(canvas, text, origin, _FONT, scale, colour, 1, cv2.LINE_AA)


def _at_one_scale(images: Sequence[np.ndarray]) -> List[np.ndarray]:
    """The crops cut to their chromosomes and resized by one factor, the
    tallest to the karyogram's row height."""
    crops = [trim_to_chromosome(np.asarray(image)) for image in images]
    scale = _TALLEST / max(crop.shape[0] for crop in crops)
    return [
        cv2.resize(crop, (max(1, round(crop.shape[1] * scale)),
                          max(1, round(crop.shape[0] * scale))),
                   interpolation=cv2.INTER_AREA) for crop in crops
    ]


def draw_karyogram(images: Sequence[np.ndarray], assignment: CellAssignment,
                   title: str = '') -> np.ndarray:
    """Draw one cell's crops in the standard karyogram layout.

    Every crop is drawn under its assigned type, all at one scale (so
    their lengths compare as in the cell), with the type's name under each
    group of homologs; crops that fit no slot are drawn under their own
    prediction. Extra, moved and low-confidence crops are outlined
    (:data:`OUTLINES`). The title lines give the cell, its inferred sex,
    the constraint's cost and the assignment's flags.

    Args:
        images (Sequence[np.ndarray]): The crops, dark on white, HxW uint8,
            in the order of the assignment's crops.
        assignment (CellAssignment): The cell's labelling.
        title (str): First title line, e.g. the cell id.

    Returns:
        np.ndarray: The karyogram, HxWx3 uint8 (BGR, for ``cv2.imwrite``).
    """
    if len(images) != len(assignment.labels):
        raise ValueError(f'{len(images)} images for an assignment of '
                         f'{len(assignment.labels)} crops.')
    crops = _at_one_scale(images)
    by_type: List[List[int]] = [[] for _ in CHROMOSOME_CATEGORIES]
    for index, label in enumerate(assignment.labels):
        by_type[label].append(index)

    lines = [title] if title else []
    lines.append(f'{len(crops)} crops, sex {assignment.sex}, constraint '
                 f'cost {assignment.cost:.2f} nats')
    lines.append('; '.join(assignment.flags) or 'no flags')
    top = _MARGIN + _LINE_HEIGHT * len(lines) + _MARGIN
    row_height = _TALLEST + _LABEL_HEIGHT + _CROP_GAP

    # Lay out each row left to right: (crop index, x, bottom y) and the
    # type names' (name, centre x, baseline y).
    placed, names, width = [], [], 0
    for row_index, groups in enumerate(KARYOGRAM_ROWS):
        bottom = top + row_index * row_height + _TALLEST
        x = _MARGIN
        for group in groups:
            for name in group:
                start = x
                for index in by_type[CHROMOSOME_CATEGORIES.index(name)]:
                    placed.append((index, x, bottom))
                    x += crops[index].shape[1] + _CROP_GAP
                x = max(x, start + 20)
                names.append((name, (start + x - _CROP_GAP) / 2,
                              bottom + _LABEL_HEIGHT - 6))
                x += _TYPE_GAP
            x += _GROUP_GAP
        width = max(width, x)
    legend = 'outlines: ' + ', '.join(
        f'{colour} = {kind}' for kind, (colour, _) in OUTLINES.items())
    width = max(width, _MARGIN * 2 + max(
        cv2.getTextSize(text, _FONT, 0.5, 1)[0][0] for text in lines))
    height = top + len(KARYOGRAM_ROWS) * row_height + _LINE_HEIGHT

    canvas = np.full((height, width, 3), 255, np.uint8)
    for index, x, bottom in placed:
        crop = crops[index]
        y = bottom - crop.shape[0]
        canvas[y:bottom, x:x + crop.shape[1]] = crop[..., None]
        outline = crop_outline(assignment, index)
        if outline is not None:
            cv2.rectangle(canvas, (x - 2, y - 2),
                          (x + crop.shape[1] + 1, bottom + 1), outline[1], 2)
    for name, x, y in names:
        _draw_text(canvas, name, x, y, centre=True)
    for line_index, text in enumerate(lines):
        _draw_text(canvas, text, _MARGIN,
                   _MARGIN + _LINE_HEIGHT * (line_index + 1) - 6)
    _draw_text(canvas, legend, _MARGIN, height - 6, scale=0.4,
               colour=(90, 90, 90))
    return canvas
