"""Class activation maps of chromosome classifiers with ``grad-cam``.

The map is taken at one layer of the backbone (the CAM target): the last
stage of a CNN, the last normalised token map of Swin and DaViT, and the
input of the last attention block of a ViT (whose class token stops
mixing with the patch tokens after it). Every layout is turned into
``(N, C, H, W)`` maps for ``grad-cam``.
"""
import logging
import math
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
from mmengine.dataset import pseudo_collate
from mmengine.logging import print_log
from mmengine.utils import ProgressBar
from mmpretrain.models.backbones import (DaViT, ResNet, SwinTransformer,
                                         TIMMBackbone, VisionTransformer)

from .dependencies import missing_analysis_dependency

try:
    from pytorch_grad_cam import (EigenCAM, GradCAM, GradCAMPlusPlus,
                                  HiResCAM, LayerCAM, XGradCAM)
    from pytorch_grad_cam.utils.image import show_cam_on_image
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
except ImportError as error:
    raise missing_analysis_dependency(error) from error

# Layouts of the target layer's output.
LAYOUTS = ('NCHW', 'NHWC', 'NLC')

CAM_METHODS = {
    'gradcam': GradCAM,
    'gradcam++': GradCAMPlusPlus,
    'xgradcam': XGradCAM,
    'hirescam': HiResCAM,
    'layercam': LayerCAM,
    'eigencam': EigenCAM,
}


@dataclass
class CAMTarget:
    """The layer a CAM is computed at and the layout of its output.

    Args:
        layer_name (str): Module name in the classifier, as
            ``model.named_modules()`` gives it.
        layout (str): 'NCHW', 'NHWC' or 'NLC' (tokens of a square map).
        num_prefix_tokens (int): Class / register tokens before the patch
            tokens of an 'NLC' output. Defaults to 0.
    """
    layer_name: str
    layout: str
    num_prefix_tokens: int = 0

    def __post_init__(self):
        if self.layout not in LAYOUTS:
            raise ValueError(f'CAM layout must be one of {LAYOUTS}, got '
                             f'{self.layout!r}.')


def _timm_cam_target(timm_model: nn.Module, prefix: str) -> CAMTarget:
    """The CAM target of a timm model inside a ``TIMMBackbone``."""
    blocks = getattr(timm_model, 'blocks', None)
    if blocks is not None and hasattr(timm_model, 'num_prefix_tokens'):
        # ViT family: the normalised input of the last attention block.
        return CAMTarget(f'{prefix}.blocks.{len(blocks) - 1}.norm1', 'NLC',
                         timm_model.num_prefix_tokens)
    feature_info = getattr(timm_model, 'feature_info', None)
    if not feature_info:
        raise ValueError(
            f'No default CAM target for the timm model '
            f'{type(timm_model).__name__}: pass the target layer and its '
            'layout.')
    # The last stage: NCHW maps for CNNs and DaViT, NHWC for timm's Swin.
    return CAMTarget(f"{prefix}.{feature_info[-1]['module']}",
                     getattr(timm_model, 'output_fmt', None) or 'NCHW')


def default_cam_target(model: nn.Module) -> CAMTarget:
    """The CAM target of a classifier, chosen by its backbone family.

    ======================================  ===============================
    backbone                                target layer (layout)
    ======================================  ===============================
    MMPretrain ResNet family                last residual stage (NCHW)
    MMPretrain SwinTransformer, DaViT       norm of the last output (NLC)
    MMPretrain VisionTransformer            ``ln1`` of the last layer (NLC)
    ``TIMMBackbone`` with a ViT             ``norm1`` of the last block
    ``TIMMBackbone`` with another model     last stage of ``feature_info``
                                            (its ``output_fmt``: NCHW, or
                                            NHWC for Swin)
    a composite backbone (its               the target of its branch
    ``image_branch``: ``VarifocalBackbone``, ``image_branch``, the one
    ``InterleavedResNets``)                 whose maps lie on the input
    ======================================  ===============================

    Args:
        model (nn.Module): An ``ImageClassifier``.

    Returns:
        CAMTarget: The target layer and its layout.
    """
    backbone, prefix = model.backbone, 'backbone'
    branch = getattr(backbone, 'image_branch', None)
    if branch is not None:
        backbone, prefix = getattr(backbone, branch), f'{prefix}.{branch}'
    if isinstance(backbone, TIMMBackbone):
        return _timm_cam_target(backbone.timm_model, f'{prefix}.timm_model')
    if isinstance(backbone, ResNet):
        return CAMTarget(f'{prefix}.{backbone.res_layers[-1]}', 'NCHW')
    if isinstance(backbone, VisionTransformer):
        return CAMTarget(f'{prefix}.layers.{len(backbone.layers) - 1}.ln1',
                         'NLC', backbone.num_extra_tokens)
    if isinstance(backbone, (SwinTransformer, DaViT)):
        return CAMTarget(f'{prefix}.norm{max(backbone.out_indices)}', 'NLC')
    raise ValueError(
        f'No default CAM target for the backbone {type(backbone).__name__}: '
        'pass the target layer (a name from model.named_modules()) and its '
        f'layout ({", ".join(LAYOUTS)}).')


def cam_target(model: nn.Module,
               layer_name: Optional[str] = None,
               layout: Optional[str] = None) -> CAMTarget:
    """The CAM target of a classifier: :func:`default_cam_target`, or the
    layer named by the user.

    Args:
        model (nn.Module): An ``ImageClassifier``.
        layer_name (str, optional): A name from ``model.named_modules()``.
            Defaults to None, the default target of the backbone family.
        layout (str, optional): Layout of the named layer's output; an
            'NLC' output starts with the backbone's class / register tokens
            (``num_extra_tokens`` of MMPretrain, ``num_prefix_tokens`` of
            timm). Defaults to None, which means 'NCHW'.

    Returns:
        CAMTarget: The target.
    """
    if layer_name is None:
        if layout is not None:
            raise ValueError('A CAM layout is only set with a target layer.')
        return default_cam_target(model)
    layout = layout or 'NCHW'
    num_prefix_tokens = 0
    if layout == 'NLC':
        backbone = model.backbone
        num_prefix_tokens = getattr(
            backbone, 'num_extra_tokens',
            getattr(getattr(backbone, 'timm_model', None),
                    'num_prefix_tokens', 0))
    return CAMTarget(layer_name, layout, num_prefix_tokens)


def get_module(model: nn.Module, name: str) -> nn.Module:
    """The sub-module of a model called ``name``."""
    modules = dict(model.named_modules())
    if name not in modules:
        last = name.split('.')[-1]
        similar = [n for n in modules if n.split('.')[-1] == last][:20]
        raise KeyError(f'The model has no layer {name!r}; layers named like '
                       f'it: {similar or "none"}.')
    return modules[name]


def to_nchw(tensor: torch.Tensor, target: CAMTarget) -> torch.Tensor:
    """Turn the output of a CAM target layer into ``(N, C, H, W)`` maps.

    Args:
        tensor (torch.Tensor): Output of the target layer.
        target (CAMTarget): Its layout.

    Returns:
        torch.Tensor: The maps; an 'NLC' output without its prefix tokens,
        reshaped to a square.
    """
    expected_dim = 3 if target.layout == 'NLC' else 4
    if tensor.dim() != expected_dim:
        raise ValueError(
            f'The CAM target {target.layer_name} returns shape '
            f'{tuple(tensor.shape)}, not a {target.layout} tensor: choose '
            'the layout that fits it.')
    if target.layout == 'NCHW':
        return tensor
    if target.layout == 'NHWC':
        return tensor.permute(0, 3, 1, 2)
    tokens = tensor[:, target.num_prefix_tokens:]
    side = math.isqrt(tokens.size(1))
    if side * side != tokens.size(1):
        raise ValueError(
            f'The CAM target {target.layer_name} has {tokens.size(1)} patch '
            f'tokens (after {target.num_prefix_tokens} prefix tokens), not a '
            'square map.')
    return tokens.reshape(tokens.size(0), side, side,
                          tokens.size(2)).permute(0, 3, 1, 2)


class ClassifierLogits(nn.Module):
    """An ``ImageClassifier`` as a module from preprocessed inputs to
    logits, the interface ``grad-cam`` expects."""

    def __init__(self, classifier: nn.Module):
        super().__init__()
        self.classifier = classifier

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.classifier(inputs, mode='tensor')


class ClassActivationMapper:
    """Class activation maps of a classifier at a target layer.

    Args:
        model (nn.Module): An ``ImageClassifier`` in eval mode.
        target (CAMTarget): Where to take the maps (see :func:`cam_target`).
        method (str): One of :data:`CAM_METHODS`. Defaults to 'gradcam'.
    """

    def __init__(self,
                 model: nn.Module,
                 target: CAMTarget,
                 method: str = 'gradcam'):
        if method not in CAM_METHODS:
            raise ValueError(f'CAM method must be one of '
                             f'{list(CAM_METHODS)}, got {method!r}.')
        self.model = model
        self.target = target
        self.cam = CAM_METHODS[method](
            model=ClassifierLogits(model),
            target_layers=[get_module(model, self.target.layer_name)],
            reshape_transform=lambda x: to_nchw(x, self.target))

    def __call__(self, inputs: torch.Tensor,
                 target_labels: Sequence[int]) -> np.ndarray:
        """Maps of a batch, each for the score of its target label.

        Args:
            inputs (torch.Tensor): Preprocessed inputs, shape (N, C, H, W).
            target_labels (Sequence[int]): The type whose score each map
                explains.

        Returns:
            np.ndarray: Maps in [0, 1] at the input size, shape (N, H, W).
        """
        targets = [ClassifierOutputTarget(int(i)) for i in target_labels]
        return self.cam(input_tensor=inputs, targets=targets)

    def release(self) -> None:
        """Remove the hooks from the model."""
        self.cam.activations_and_grads.release()


def overlay_cam(gray: np.ndarray, cam: np.ndarray) -> np.ndarray:
    """Blend a map, coloured with the jet colour map (blue: low, red:
    high), half and half with a grayscale crop.

    Args:
        gray (np.ndarray): The uint8 crop the map was computed on, (H, W).
        cam (np.ndarray): The map in [0, 1], (H, W).

    Returns:
        np.ndarray: The RGB uint8 overlay, (H, W, 3).
    """
    rgb = np.repeat(gray[..., None].astype(np.float32) / 255, 3, axis=2)
    return show_cam_on_image(rgb, cam, use_rgb=True, image_weight=0.5)


@dataclass
class SampleHeatmaps:
    """Heatmaps of one model over chosen samples.

    Args:
        crops (list[np.ndarray]): The uint8 grayscale model inputs (H, W).
        overlays (list[np.ndarray]): RGB uint8 heatmap overlays (H, W, 3).
        labels (list[int]): True label indices.
        pred_labels (list[int]): Predicted label indices.
    """
    crops: List[np.ndarray]
    overlays: List[np.ndarray]
    labels: List[int]
    pred_labels: List[int]


def sample_heatmaps(mapper: ClassActivationMapper,
                    dataset,
                    indices: Sequence[int],
                    explain: str = 'gt',
                    batch_size: int = 16) -> SampleHeatmaps:
    """Compute the heatmaps of a model over samples of a dataset, with a
    progress bar.

    Args:
        mapper (ClassActivationMapper): The model's mapper.
        dataset (BaseDataset): A dataset with the model's test pipeline.
        indices (Sequence[int]): The samples.
        explain (str): Explain the score of the true type ('gt') or of the
            predicted type ('pred'). Defaults to 'gt'.
        batch_size (int): Samples per forward pass. Defaults to 16.

    Returns:
        SampleHeatmaps: Crops, overlays and labels, in ``indices`` order.
    """
    if explain not in ('gt', 'pred'):
        raise ValueError(f"explain must be 'gt' or 'pred', got {explain!r}.")
    model = mapper.model
    result = SampleHeatmaps([], [], [], [])
    bar = ProgressBar(len(indices))
    for start in range(0, len(indices), batch_size):
        batch = pseudo_collate(
            [dataset[i] for i in indices[start:start + batch_size]])
        data = model.data_preprocessor(batch, False)
        with torch.no_grad():
            preds = model(data['inputs'], mode='tensor').argmax(dim=1)
        labels = [int(sample.gt_label) for sample in data['data_samples']]
        maps = mapper(data['inputs'],
                      labels if explain == 'gt' else preds.tolist())
        for inputs, cam in zip(batch['inputs'], maps):
            gray = inputs[0].numpy()
            result.crops.append(gray)
            result.overlays.append(overlay_cam(gray, cam))
        result.labels.extend(labels)
        result.pred_labels.extend(preds.tolist())
        bar.update(len(labels))
    print()
    return result


def first_samples_of_types(dataset, type_names: Sequence[str],
                           per_type: int) -> List[int]:
    """Indices of the first ``per_type`` samples of each type of a dataset.

    Args:
        dataset (BaseDataset): A dataset with ``classes`` in its metainfo.
        type_names (Sequence[str]): The types, in the order wanted.
        per_type (int): Samples per type at most.

    Returns:
        list[int]: The indices, type by type; a type without samples is
        reported and left out.
    """
    classes = list(dataset.metainfo['classes'])
    unknown = [name for name in type_names if name not in classes]
    if unknown:
        raise ValueError(f'The types {unknown} are not types of the dataset '
                         f'({", ".join(classes)}).')
    labels = np.asarray(dataset.get_gt_labels())
    indices = []
    for name in type_names:
        found = np.flatnonzero(labels == classes.index(name))[:per_type]
        if not len(found):
            print_log(f'No sample of type {name} in the dataset: left out.',
                      logger='current', level=logging.WARNING)
        indices.extend(int(i) for i in found)
    if not indices:
        raise ValueError(
            f'The dataset has no sample of the types {list(type_names)}.')
    return indices
