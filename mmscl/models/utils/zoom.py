"""Boxes on a batch of images: the crop that zooms into one, and the box of
the dark foreground that supervises where to zoom."""
from typing import Tuple, Union

import torch
import torch.nn.functional as F


def zoom_crop(images: torch.Tensor, boxes: torch.Tensor,
              size: Union[int, Tuple[int, int]]) -> torch.Tensor:
    """Crop one box from each image and resample it to ``size``, bilinearly.

    The crop is differentiable in the images and in the boxes, so a loss on
    the crops can move the boxes. Coordinates are fractions of the image
    side, from its outer pixel edges: the box (x1, y1, x2, y2) = (0.25, 0,
    0.5, 1) of a 64 px image resampled to (64, 16) is exactly its columns
    16 to 31. Parts of a box outside the image repeat the border pixels.

    Args:
        images (Tensor): (N, C, H, W) images.
        boxes (Tensor): (N, 4) boxes (x1, y1, x2, y2), fractions of the
            width and height.
        size (int | tuple[int, int]): Side, or (height, width), of the
            crops.

    Returns:
        Tensor: (N, C, *size) crops.
    """
    if boxes.dim() != 2 or boxes.size(1) != 4 or \
            boxes.size(0) != images.size(0):
        raise ValueError(
            f'zoom_crop: boxes must be (N, 4) for {images.size(0)} images, '
            f'got {tuple(boxes.shape)}.')
    height, width = (size, size) if isinstance(size, int) else size
    x1, y1, x2, y2 = boxes.to(images.dtype).unbind(1)
    zeros = torch.zeros_like(x1)
    # An affine map from the crop's [-1, 1] square to the image's: scale by
    # the box side, shift to the box centre (align_corners=False: -1 and 1
    # are the outer pixel edges, so pixel centres map onto pixel centres).
    theta = torch.stack([
        torch.stack([x2 - x1, zeros, x1 + x2 - 1], 1),
        torch.stack([zeros, y2 - y1, y1 + y2 - 1], 1),
    ], 1)  # (N, 2, 3)
    grid = F.affine_grid(
        theta, (images.size(0), images.size(1), height, width),
        align_corners=False)
    return F.grid_sample(
        images, grid, mode='bilinear', padding_mode='border',
        align_corners=False)


@torch.no_grad()
def foreground_boxes(images: torch.Tensor, threshold: float = 0.5,
                     margin: float = 0.05,
                     min_size: float = 0.0) -> torch.Tensor:
    """The square box around the dark pixels of each image (dark on light).

    A pixel is foreground when it is darker than ``threshold`` of the way
    from the image's darkest to its lightest value (the channel mean). An
    image without contrast gets the whole image. The box is the square on
    the longer side of the foreground's bounding box (plus the margins),
    shifted into the image where it reaches past it, so that a zoom into
    it keeps the chromosome's shape.

    Args:
        images (Tensor): (N, C, H, W) images, dark objects on light.
        threshold (float): Fraction of the image's range below which a
            pixel is foreground. Defaults to 0.5.
        margin (float): Added on every side, as a fraction of the image
            side. Defaults to 0.05.
        min_size (float): Least box side, as a fraction of the image side;
            smaller boxes grow about their centre. Defaults to 0.

    Returns:
        Tensor: (N, 4) boxes (x1, y1, x2, y2), fractions of the width and
        height, within [0, 1].
    """
    gray = images.float().mean(1)  # (N, C, H, W) -> (N, H, W)
    n, height, width = gray.shape
    flat = gray.flatten(1)
    low, high = flat.min(1).values, flat.max(1).values
    level = (low + threshold * (high - low)).view(n, 1, 1)
    foreground = (gray < level) & (high > low).view(n, 1, 1)
    boxes = []
    for axis, side in ((1, width), (2, height)):
        hit = foreground.any(axis)  # (N, W) columns or (N, H) rows
        index = torch.arange(side, device=images.device).expand_as(hit)
        first = torch.where(hit, index, side).min(1).values
        last = torch.where(hit, index, -1).max(1).values + 1
        empty = ~hit.any(1)
        first = torch.where(empty, 0, first)
        last = torch.where(empty, side, last)
        boxes.append((first / side - margin, last / side + margin))
    (x1, x2), (y1, y2) = boxes
    boxes = torch.stack([x1, y1, x2, y2], 1)
    sides = boxes[:, 2:] - boxes[:, :2]  # (N, 2)
    half = sides.max(1, keepdim=True).values.clamp(min_size, 1) / 2
    centre = ((boxes[:, :2] + boxes[:, 2:]) / 2).clamp(half, 1 - half)
    return torch.cat([centre - half, centre + half], 1)
