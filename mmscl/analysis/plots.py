"""Figures of the analysis tools, drawn with Matplotlib's object-oriented
API (no pyplot, so no GUI backend is needed)."""
import textwrap
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np

from .confusion import row_normalise
from .dependencies import missing_analysis_dependency

try:
    import matplotlib
    from matplotlib import colors as mcolors
    from matplotlib import patheffects
    from matplotlib.cm import ScalarMappable
    from matplotlib.figure import Figure
except ImportError as error:
    raise missing_analysis_dependency(error) from error

# Types get 8 hues in 3 shades (dark, bright, pale): consecutive types
# (the ones most often confused) differ in hue, types 8 apart in shade.
_NUM_HUES = 8
_SHADES = ((0.95, 0.6), (0.9, 0.95), (0.5, 0.85))  # (saturation, value)
_OUTLINE = [patheffects.withStroke(linewidth=2.5, foreground='white')]


def type_colors(num_types: int) -> np.ndarray:
    """Distinguishable colours, one per type in label order.

    Args:
        num_types (int): Number of types (24 for human chromosomes).

    Returns:
        np.ndarray: RGB colours in [0, 1], shape (num_types, 3).
    """
    index = np.arange(num_types)
    shades = np.array(_SHADES)[(index // _NUM_HUES) % len(_SHADES)]
    hsv = np.column_stack([(index % _NUM_HUES) / _NUM_HUES + 0.02, shades])
    return mcolors.hsv_to_rgb(hsv)


@dataclass
class TSNEPanel:
    """One t-SNE map to draw.

    Args:
        title (str): Name of the model.
        points (np.ndarray): 2-D points, shape (N, 2).
        labels (np.ndarray): True label indices, shape (N, ).
        silhouette (float): Silhouette score of the embedding.
    """
    title: str
    points: np.ndarray
    labels: np.ndarray
    silhouette: float


def plot_tsne(panels: Sequence[TSNEPanel], classes: Sequence[str],
              suptitle: str, out_file: str) -> None:
    """Draw t-SNE maps side by side, coloured by type, each type's name at
    the median of its points, with one legend in karyotype order.

    Args:
        panels (Sequence[TSNEPanel]): The maps, left to right.
        classes (Sequence[str]): Type names in label index order.
        suptitle (str): Title of the figure.
        out_file (str): The PNG to write.
    """
    colors = type_colors(len(classes))
    fig = Figure(figsize=(6.5 * len(panels) + 1.2, 6.8),
                 layout='constrained')
    axes = fig.subplots(1, len(panels), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        for index, name in enumerate(classes):
            points = panel.points[panel.labels == index]
            if not len(points):
                continue
            ax.scatter(points[:, 0], points[:, 1], s=9, color=colors[index],
                       alpha=0.8, linewidths=0, label=name)
            center = np.median(points, axis=0)
            ax.text(center[0], center[1], name, fontsize=9,
                    fontweight='bold', ha='center', va='center',
                    color=colors[index] * 0.75, path_effects=_OUTLINE)
        ax.set_title(f'{panel.title}\nsilhouette (cosine) = '
                     f'{panel.silhouette:.3f}')
        ax.set_xlabel('t-SNE 1')
        ax.set_ylabel('t-SNE 2')
        ax.set_xticks([])
        ax.set_yticks([])
    handles, names = axes[0, -1].get_legend_handles_labels()
    fig.legend(handles, names, title='Type', loc='outside right center',
               markerscale=2.2, fontsize=9, frameon=False)
    fig.suptitle(suptitle)
    fig.savefig(out_file, dpi=90)


def _draw_matrix(ax,
                 matrix: np.ndarray,
                 classes: Sequence[str],
                 title: str,
                 cmap: str,
                 norm: mcolors.Normalize,
                 fmt: str,
                 colorbar_label: str,
                 min_shown: float,
                 colour_values: Optional[np.ndarray] = None) -> None:
    """One confusion matrix panel (rows true, columns predicted), each
    cell of at least ``min_shown`` annotated with its value.

    ``colour_values`` (defaults to ``matrix``) are what the colours show.
    """
    if colour_values is None:
        colour_values = matrix
    image = ax.imshow(colour_values, cmap=cmap, norm=norm)
    ticks = np.arange(len(classes))
    ax.set_xticks(ticks, classes, fontsize=8)
    ax.set_yticks(ticks, classes, fontsize=8)
    ax.set_xlabel('Predicted type')
    ax.set_ylabel('True type')
    ax.set_title(title)
    colormap = matplotlib.colormaps[cmap]
    for (row, col), value in np.ndenumerate(matrix):
        if abs(value) < min_shown:
            continue
        # Dark cells get white text.
        luminance = np.dot(
            colormap(norm(colour_values[row, col]))[:3],
            (0.299, 0.587, 0.114))
        ax.text(col, row, fmt.format(value), ha='center', va='center',
                fontsize=6, color='white' if luminance < 0.5 else 'black',
                in_layout=False)
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label=colorbar_label)


def plot_confusion(counts: Sequence[np.ndarray], names: Sequence[str],
                   classes: Sequence[str], out_file: str) -> None:
    """Draw confusion matrices: counts in the top row, row-normalised
    percentages in the bottom row; with two models, a third column with
    the change from the first to the second.

    Counts and percentages use a square-root colour scale, so that the
    few off-diagonal errors show next to the large diagonal. A change is
    annotated as it is (second minus first) and coloured by whether it is
    better (blue: more correct on the diagonal, fewer errors off it) or
    worse (red).

    Args:
        counts (Sequence[np.ndarray]): One count matrix per model.
        names (Sequence[str]): One name per model.
        classes (Sequence[str]): Type names in label index order.
        out_file (str): The PNG to write.
    """
    percents = [row_normalise(c) for c in counts]
    num_cols = len(counts) + (len(counts) == 2)
    fig = Figure(figsize=(7.2 * num_cols, 13.6), layout='constrained')
    axes = fig.subplots(2, num_cols, squeeze=False)
    count_norm = mcolors.PowerNorm(
        0.5, vmin=0, vmax=max(c.max() for c in counts))
    percent_norm = mcolors.PowerNorm(0.5, vmin=0, vmax=100)
    for col, (count, percent, name) in enumerate(zip(counts, percents,
                                                     names)):
        _draw_matrix(axes[0, col], count, classes, f'{name}: counts',
                     'Blues', count_norm, '{:d}', 'samples', 1)
        _draw_matrix(axes[1, col], percent, classes,
                     f'{name}: % of each true type', 'Blues', percent_norm,
                     '{:.0f}', '% of the true type', 0.5)
    if len(counts) == 2:
        # +1 on the diagonal, -1 off it: the sign of a better change.
        better_sign = 2 * np.eye(len(classes)) - 1
        for row, (first, second, unit, fmt, min_shown) in enumerate(
            ((counts[0], counts[1], 'samples', '{:+d}', 1),
             (percents[0], percents[1], 'percentage points', '{:+.0f}',
              0.5))):
            change = second - first
            limit = max(abs(change).max(), 1)
            _draw_matrix(
                axes[row, 2], change, classes,
                f'change: {names[1]} minus\n{names[0]} '
                '(blue: better, red: worse)', 'RdBu',
                mcolors.TwoSlopeNorm(0, -limit, limit), fmt,
                f'improvement ({unit})', min_shown, change * better_sign)
    fig.suptitle('Confusion matrices of the test split (rows: true type)')
    fig.savefig(out_file, dpi=80)


@dataclass
class CAMRow:
    """The maps of one model for the samples of a CAM grid.

    Args:
        name (str): Name of the model.
        overlays (list[np.ndarray]): RGB uint8 heatmap overlays, one per
            sample.
        pred_names (list[str]): Predicted type of every sample.
    """
    name: str
    overlays: List[np.ndarray]
    pred_names: List[str]


def plot_cam_grid(crops: Sequence[np.ndarray], true_names: Sequence[str],
                  rows: Sequence[CAMRow], title: str, out_file: str,
                  columns: int = 8, cbar_label: Optional[str] = None) -> None:
    """Draw a grid of crops with the heatmaps of each model below them.

    Samples run left to right, ``columns`` per band; each band has a row
    of grayscale crops and one row of overlays per model.

    Args:
        crops (Sequence[np.ndarray]): Grayscale uint8 model inputs (H, W).
        true_names (Sequence[str]): True type of every sample.
        rows (Sequence[CAMRow]): The overlays of every model.
        title (str): Title of the figure.
        out_file (str): The PNG to write.
        columns (int): Samples per band. Defaults to 8.
        cbar_label (str, optional): Label of the heatmap colour bar.
    """
    num = len(crops)
    columns = min(columns, num)
    bands = -(-num // columns)
    rows_per_band = 1 + len(rows)
    fig = Figure(
        figsize=(1.45 * columns + 1.6, 1.6 * bands * rows_per_band + 0.8),
        layout='constrained')
    axes = fig.subplots(bands * rows_per_band, columns, squeeze=False)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_frame_on(False)
    for index in range(num):
        band, col = divmod(index, columns)
        top = band * rows_per_band
        ax = axes[top, col]
        ax.imshow(crops[index], cmap='gray', vmin=0, vmax=255)
        # A frame shows the canvas of the crop on a white figure.
        ax.set_frame_on(True)
        for spine in ax.spines.values():
            spine.set_color('0.7')
        ax.set_title(f'type {true_names[index]}', fontsize=10)
        for offset, row in enumerate(rows, start=1):
            ax = axes[top + offset, col]
            ax.imshow(row.overlays[index])
            pred = row.pred_names[index]
            correct = pred == true_names[index]
            ax.set_title(f'pred {pred}', fontsize=9,
                         color='black' if correct else 'red')
        if col == 0:
            axes[top, 0].set_ylabel('crop', fontsize=10)
            for offset, row in enumerate(rows, start=1):
                axes[top + offset, 0].set_ylabel(
                    textwrap.fill(row.name, 18), fontsize=9)
    mappable = ScalarMappable(
        mcolors.Normalize(0, 1), cmap='jet')
    fig.colorbar(mappable, ax=axes, shrink=0.3, label=cbar_label,
                 location='right')
    fig.suptitle(title)
    fig.savefig(out_file, dpi=80)
