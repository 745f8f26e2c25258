"""Run a trained classifier over a test split once and keep what the
analysis tools need: embeddings, softmax scores, labels and image paths."""
import inspect
import os.path as osp
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpretrain.apis import init_model
from mmpretrain.registry import MODELS

from mmscl.apis import FEATURE_TYPES, score_dataset
from mmscl.datasets.categories import CHROMOSOME_CATEGORIES


@dataclass
class ModelSpec:
    """A checkpoint to analyse, with the config that built it.

    Args:
        config (str): Config file path.
        checkpoint (str): Checkpoint file path.
        name (str): Name shown in titles, legends and file names.
    """
    config: str
    checkpoint: str
    name: str


@dataclass
class Predictions:
    """What a classifier makes of every sample of a split, in dataset order.

    Args:
        features (np.ndarray): L2-normalised features, shape (N, D).
        scores (np.ndarray): Softmax scores, shape (N, num_classes).
        labels (np.ndarray): True label indices, shape (N, ).
        img_paths (list[str]): Image path of every sample.
        classes (tuple[str]): Type names in label index order.
    """
    features: np.ndarray
    scores: np.ndarray
    labels: np.ndarray
    img_paths: List[str]
    classes: Tuple[str, ...]

    @property
    def pred_labels(self) -> np.ndarray:
        """The predicted label index of every sample."""
        return self.scores.argmax(axis=1)


def uses_scl(cfg: Union[Config, ConfigDict]) -> Optional[bool]:
    """Whether the head of a config's model has a contrastive loss.

    Args:
        cfg (Config | ConfigDict): A config, or the settings of one read
            as data (:func:`mmscl.evaluation.read_config_data`).

    Returns:
        bool | None: None for a head without the ``contrastive_loss``
        argument (not an :class:`SCLHead`), else whether the argument, as
        set or by default, is a loss.
    """
    head = cfg.model.get('head') or {}
    head_type = head.get('type')
    if not isinstance(head_type, str) or '.' in head_type.removeprefix(
            f'{MODELS.scope}.'):
        # Looking up a type of another scope would import that package.
        return None
    head_cls = MODELS.get(head_type)
    if head_cls is None:
        return None
    parameter = inspect.signature(head_cls).parameters.get('contrastive_loss')
    if parameter is None:
        return None
    return head.get('contrastive_loss', parameter.default) is not None


def default_model_name(config: str) -> str:
    """A short name for the model of a config: the config's name and
    whether it uses SCL, e.g. ``'resnet18_synthetic with SCL'``."""
    stem = osp.splitext(osp.basename(config))[0]
    scl = uses_scl(Config.fromfile(config))
    if scl is None:
        return stem
    return f"{stem} {'with' if scl else 'without'} SCL"


def model_specs(config: str, checkpoint: str,
                compare: Optional[Sequence[str]] = None,
                names: Optional[Sequence[str]] = None) -> List[ModelSpec]:
    """The one or two models of an analysis command line.

    Args:
        config (str): Config of the first model.
        checkpoint (str): Checkpoint of the first model.
        compare (Sequence[str], optional): ``(config, checkpoint)`` of a
            second model, shown next to the first. Defaults to None.
        names (Sequence[str], optional): One name per model. Defaults to
            None, which names each after its config (see
            :func:`default_model_name`).

    Returns:
        list[ModelSpec]: The models, first one first.
    """
    pairs = [(config, checkpoint)]
    if compare:
        pairs.append(tuple(compare))
    for cfg_path, ckpt_path in pairs:
        for path, what in ((cfg_path, 'config'), (ckpt_path, 'checkpoint')):
            if not osp.isfile(path):
                raise FileNotFoundError(f'The {what} file {path} does not '
                                        'exist.')
    if names is None:
        names = [default_model_name(cfg_path) for cfg_path, _ in pairs]
        if len(names) == 2 and names[0] == names[1]:
            names = [f'{name} ({osp.basename(ckpt)})'
                     for name, (_, ckpt) in zip(names, pairs)]
    elif len(names) != len(pairs):
        raise ValueError(f'--names needs one name per model ({len(pairs)}), '
                         f'got {list(names)}.')
    return [
        ModelSpec(cfg_path, ckpt_path, name)
        for (cfg_path, ckpt_path), name in zip(pairs, names)
    ]


def load_config(config: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config and apply command-line overrides to it."""
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def load_classifier(cfg: Config, checkpoint: str,
                    device: str = 'cpu') -> nn.Module:
    """Build the classifier of a config with the weights of a checkpoint,
    in eval mode."""
    model = init_model(cfg, checkpoint, device=device)
    model.eval()
    return model


def build_test_dataloader(cfg: Config,
                          batch_size: Optional[int] = None,
                          num_workers: Optional[int] = None):
    """Build the ``test_dataloader`` of a config (the split to analyse).

    Args:
        cfg (Config): The config.
        batch_size (int, optional): Overrides the config's batch size.
        num_workers (int, optional): Overrides the config's worker count.

    Returns:
        DataLoader: The test data loader, in dataset order.
    """
    if 'test_dataloader' not in cfg:
        raise KeyError(f'{cfg.filename} has no test_dataloader to analyse.')
    loader_cfg = cfg.test_dataloader.copy()
    if batch_size is not None:
        loader_cfg.batch_size = batch_size
    if num_workers is not None:
        loader_cfg.num_workers = num_workers
        if num_workers == 0:
            loader_cfg.persistent_workers = False
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    return Runner.build_dataloader(loader_cfg)


def dataset_classes(dataset) -> Tuple[str, ...]:
    """The type names of a dataset, or the 24 chromosome types."""
    classes = getattr(dataset, 'metainfo', {}).get('classes')
    return tuple(classes) if classes else CHROMOSOME_CATEGORIES


def collect_predictions(model: nn.Module,
                        dataloader,
                        feature: str = 'embedding',
                        progress: bool = True) -> Predictions:
    """Run a classifier over a data loader and collect its outputs (see
    :func:`~mmscl.apis.score_dataset`).

    Args:
        model (nn.Module): An ``ImageClassifier`` in eval mode.
        dataloader (DataLoader): The split, not shuffled.
        feature (str): Which feature to keep, one of
            :data:`~mmscl.apis.FEATURE_TYPES`: ``'embedding'`` (the head's
            ``pre_logits``) or ``'pooled'`` (what the head receives).
            Defaults to 'embedding'.
        progress (bool): Whether to show a progress bar. Defaults to True.

    Returns:
        Predictions: The L2-normalised features, softmax scores, labels and
        image paths of every sample.
    """
    if feature is None:
        raise ValueError(f'feature must be one of {FEATURE_TYPES}, got '
                         'None.')
    scored = score_dataset(model, dataloader, feature, progress=progress)
    return Predictions(
        features=F.normalize(torch.from_numpy(scored.features),
                             dim=1).numpy(),
        scores=scored.scores,
        labels=scored.labels,
        img_paths=scored.img_paths,
        classes=dataset_classes(dataloader.dataset))


def predict_split(spec: ModelSpec,
                  feature: str = 'embedding',
                  device: str = 'cpu',
                  cfg_options: Optional[dict] = None,
                  batch_size: Optional[int] = None,
                  num_workers: Optional[int] = None) -> Predictions:
    """Load a model and collect its :class:`Predictions` on the config's
    test split (see :func:`collect_predictions`)."""
    cfg = load_config(spec.config, cfg_options)
    model = load_classifier(cfg, spec.checkpoint, device)
    dataloader = build_test_dataloader(cfg, batch_size, num_workers)
    print_log(f'{spec.name}: {len(dataloader.dataset)} test samples',
              logger='current')
    return collect_predictions(model, dataloader, feature)
