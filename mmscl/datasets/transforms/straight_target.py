import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS


@TRANSFORMS.register_module()
class CopyStraightTarget(BaseTransform):
    """Keep the image as it is now as the straightening target of
    :class:`InterleavedStraighteningNet` (HR-Net).

    For crops that are already straight (karyogram crops, as gband612's),
    placed after ``Letterbox`` and the flips and before the rotation: the
    target is then the upright, straight crop at the model's input size,
    the input its rotated copy (a flip is not for straightening to undo). ``PackInputs`` must list
    ``'straight_img'`` in its ``algorithm_keys``.

    Required Keys: ``img`` (H, W) or (H, W, 1) uint8, dark on white.

    Added Keys: ``straight_img``, a (1, H, W) float32 tensor in [0, 1].
    """

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.ndim == 3 and img.shape[2] != 1:
            raise ValueError('CopyStraightTarget needs a gray image, got '
                             f'shape {img.shape}.')
        gray = img.reshape(img.shape[:2]).astype(np.float32) / 255
        results['straight_img'] = torch.from_numpy(gray)[None]
        return results
