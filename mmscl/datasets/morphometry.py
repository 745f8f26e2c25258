"""Where the chromosome is in a crop, and how long it is.

A crop holds one chromosome on a plain background: dark on white (G-band,
bright-field) or bright on black (Q-band, fluorescence). These functions find
the polarity, the chromosome's silhouette and its length along its bent
axis, so that crops of labs that image at other pixel scales, stains and
polarities can be brought to one scale and look (see
:class:`~mmscl.datasets.transforms.NormalizeStain` and
:class:`~mmscl.datasets.transforms.Letterbox`).
"""
from typing import Optional, Tuple

import cv2
import numpy as np
from scipy import ndimage
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from skimage.morphology import skeletonize

# The 8 neighbours of a pixel (row and column offsets) and the length of
# the step to each.
_NEIGHBOUR_DY = np.array([-1, -1, -1, 0, 0, 1, 1, 1])
_NEIGHBOUR_DX = np.array([-1, 0, 1, -1, 1, -1, 0, 1])
_NEIGHBOUR_STEP = np.hypot(_NEIGHBOUR_DY, _NEIGHBOUR_DX)
# The structuring element of the closing (scipy.ndimage's default).
_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))


def _otsu_threshold(img: np.ndarray) -> float:
    threshold, _ = cv2.threshold(img, 0, 255,
                                 cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return threshold


def has_dark_background(img: np.ndarray) -> bool:
    """Whether a uint8 crop shows a bright chromosome on a dark background.

    The pixels of the crop's border are split by Otsu's threshold; the
    background is the side most of them fall on (a chromosome, even in a
    tight box, covers less than half of the border, as checked on
    samples of two labs in docs/crops_from_other_labs.md; a perfectly
    straight chromosome boxed to its sides would not).

    Args:
        img (np.ndarray): An HxW uint8 crop.

    Returns:
        bool: True for a dark background (Q-band, fluorescence).
    """
    border = np.concatenate(
        [img[0], img[-1], img[1:-1, 0], img[1:-1, -1]])
    return bool(np.mean(border <= _otsu_threshold(img)) > 0.5)


def to_dark_on_light(img: np.ndarray) -> np.ndarray:
    """The crop with a light background, inverted if its background is
    dark."""
    return 255 - img if has_dark_background(img) else img


def _triangle_threshold(values: np.ndarray) -> float:
    threshold, _ = cv2.threshold(
        values.reshape(1, -1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_TRIANGLE)
    return threshold


def _has_slide_background(values: np.ndarray) -> bool:
    """Whether the gray values below white are mostly one light plateau
    (the slide around an unmasked chromosome) rather than a chromosome's
    spread of bands: 40% of them within 6 levels of a mode that is lighter
    than their mean."""
    counts = np.bincount(values, minlength=256)
    mode = int(np.argmax(np.convolve(counts, np.ones(13), mode='same')))
    near_mode = np.abs(values.astype(np.int16) - mode) <= 6
    return near_mode.mean() > 0.4 and mode > values.mean()


def _silhouette(img: np.ndarray) -> Tuple[np.ndarray, Tuple[int, int]]:
    """The silhouette (see :func:`foreground_mask`) within the box of the
    thresholded pixels, and the box's top left corner in ``img``.

    Every step after the threshold gives the same pixels there as on the
    whole crop, at the cost of the box: the closing adds no pixel outside
    it, and all background outside it is connected to the crop's edge.
    """
    mask = img < _triangle_threshold(img)
    if not mask.any():
        return mask, (0, 0)
    inside = img[mask]
    if _has_slide_background(inside):
        # An unmasked crop: the chromosome on a box of slide background,
        # which is the background to separate it from.
        mask = img < _triangle_threshold(inside)
        if not mask.any():
            return mask, (0, 0)
    top, bottom, left, right = foreground_box(mask)
    mask = mask[top:bottom, left:right].view(np.uint8)
    # Background beyond the box's edge, as beyond the crop's.
    closed = cv2.morphologyEx(
        mask, cv2.MORPH_CLOSE, _CROSS, borderType=cv2.BORDER_CONSTANT,
        borderValue=0) | mask
    # Holes: the background not 4-connected to the ring around the box.
    outside = np.pad(closed, 1)
    cv2.floodFill(outside, None, (0, 0), 1, flags=4)
    silhouette = (closed | (outside[1:-1, 1:-1] == 0)).view(bool)
    components, num = ndimage.label(silhouette, structure=np.ones((3, 3)))
    if num > 1:
        sizes = np.bincount(components.ravel())
        sizes[0] = 0
        silhouette = components == sizes.argmax()
    return silhouette, (top, left)


def foreground_mask(img: np.ndarray) -> np.ndarray:
    """The silhouette of the chromosome in a dark-on-light uint8 crop.

    Pixels darker than the triangle threshold (which sits at the foot of the
    background's peak, so pale bands stay inside) are closed, their holes
    filled, and the largest connected part kept (bits of neighbours that
    reach into a crop are left out). When most of those pixels are one light
    plateau, the crop is unmasked (the chromosome on a box of slide
    background, on a white canvas), and the threshold is taken again at the
    foot of that plateau.

    Args:
        img (np.ndarray): An HxW uint8 crop, dark on light.

    Returns:
        np.ndarray: An HxW bool mask, all False for a blank crop.
    """
    silhouette, (top, left) = _silhouette(img)
    mask = np.zeros(img.shape[:2], bool)
    mask[top:top + silhouette.shape[0],
         left:left + silhouette.shape[1]] = silhouette
    return mask


def _longest_path_length(skeleton: np.ndarray) -> float:
    """Length of the longest shortest path along a one-pixel skeleton
    (exact for a tree, found from the end farthest from any pixel)."""
    ys, xs = np.nonzero(skeleton)
    num_pixels = len(ys)
    if num_pixels < 2:
        return 0.
    # Pixel numbers on a canvas one pixel wider on each side (-1: none),
    # so that every pixel has 8 neighbours to look up.
    index = np.full((skeleton.shape[0] + 2, skeleton.shape[1] + 2), -1,
                    np.int32)
    index[ys + 1, xs + 1] = np.arange(num_pixels, dtype=np.int32)
    neighbours = index[ys[:, None] + 1 + _NEIGHBOUR_DY,
                       xs[:, None] + 1 + _NEIGHBOUR_DX]
    linked = neighbours >= 0
    # Each pixel's row of the symmetric graph: its neighbours, in order.
    graph = csr_matrix(
        (np.broadcast_to(_NEIGHBOUR_STEP, linked.shape)[linked],
         neighbours[linked],
         np.concatenate([[0], np.cumsum(linked.sum(axis=1))])),
        shape=(num_pixels, num_pixels))
    # Two sweeps: the farthest pixel from any pixel is an end of the
    # longest path; the farthest from that end is its other end.
    distances = dijkstra(graph, directed=True, indices=0)
    end = np.nanargmax(np.where(np.isinf(distances), np.nan, distances))
    distances = dijkstra(graph, directed=True, indices=end)
    return float(distances[np.isfinite(distances)].max())


def chromosome_length(mask: np.ndarray) -> float:
    """The length of a chromosome along its (possibly bent) axis.

    The longest path along the silhouette's skeleton stops about half a
    width short of each end, so the silhouette is modelled as a band of
    length ``L`` and width ``w`` with area ``A = L w`` whose skeleton is
    ``P = L - w`` long, which gives ``L = (P + sqrt(P^2 + 4 A)) / 2``.

    Args:
        mask (np.ndarray): An HxW bool silhouette (one connected part).

    Returns:
        float: The length in pixels; 0 for an empty mask.
    """
    area = float(mask.sum())
    if area == 0:
        return 0.
    path = _longest_path_length(skeletonize(mask))
    return (path + np.sqrt(path * path + 4. * area)) / 2.


def long_axis_tilt(mask: np.ndarray) -> float:
    """How far the long axis of a silhouette leans from the vertical.

    The long axis is the major axis of the silhouette's second moments
    (``cv2.moments``), at ``theta = atan2(2 mu11, mu20 - mu02) / 2`` from
    the image's x axis (rows grow downwards).

    Args:
        mask (np.ndarray): An HxW bool silhouette.

    Returns:
        float: The clockwise rotation in degrees, in [-90, 90), that makes
        the long axis vertical (``mmcv.imrotate``'s sign); 0 for an empty
        mask or one without a long axis (a disc or a square).
    """
    moments = cv2.moments(mask.astype(np.uint8), binaryImage=True)
    mu11, spread = moments['mu11'], moments['mu20'] - moments['mu02']
    if np.isclose(mu11, 0.) and np.isclose(spread, 0.):
        return 0.
    theta = 0.5 * np.degrees(np.arctan2(2. * mu11, spread))
    return float((90. - theta + 90.) % 180. - 90.)


def measure_crop(img: np.ndarray) -> Tuple[float, Optional[Tuple[int, ...]]]:
    """The chromosome length of a crop of either polarity, and its box.

    Args:
        img (np.ndarray): An HxW uint8 crop.

    Returns:
        tuple: The length in pixels (0 for a blank crop) and the bounding
        box ``(top, bottom, left, right)`` of the silhouette (end
        exclusive), or None for a blank crop.
    """
    silhouette, (top, left) = _silhouette(to_dark_on_light(img))
    if not silhouette.any():
        return 0., None
    box_top, box_bottom, box_left, box_right = foreground_box(silhouette)
    return chromosome_length(silhouette), (top + box_top, top + box_bottom,
                                           left + box_left, left + box_right)


def foreground_box(mask: np.ndarray) -> Tuple[int, int, int, int]:
    """The bounding box ``(top, bottom, left, right)`` of a non-empty
    mask, end exclusive."""
    rows = np.nonzero(mask.any(axis=1))[0]
    cols = np.nonzero(mask.any(axis=0))[0]
    return rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
