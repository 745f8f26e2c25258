"""One setting for the side of the model input across a config's pipelines.

MMEngine evaluates a config's variables once, so ``--cfg-options
input_size=96`` changes the variable but not the pipelines built from it;
:func:`set_input_size` changes every one of them, so that the config a run
dumps into its work dir tests as the run trained.
"""
from mmengine.config import Config

DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
# Far above what any backbone config uses (the shipped ones take 64 to
# 224); a side of 100000 would only run a dataloader worker out of memory.
MAX_INPUT_SIZE = 2048


def set_input_size(cfg: Config, input_size: int) -> None:
    """Set ``input_size`` and the output side (``scale``) of every
    ``Letterbox`` in the config's dataloaders and ``tta_pipeline`` (within
    ``TestTimeAug`` too), in place.

    Args:
        cfg (Config): The config.
        input_size (int): Side of the model input in pixels.
    """
    if not (isinstance(input_size, int) and
            0 < input_size <= MAX_INPUT_SIZE):
        raise ValueError(
            f'input size must be an int in 1..{MAX_INPUT_SIZE} (pixels), '
            f'got {input_size!r}')
    pipelines = [cfg[name].dataset.get('pipeline', [])
                 for name in DATALOADERS if cfg.get(name)]
    pipelines.append(cfg.get('tta_pipeline', []))
    letterboxes = [transform for pipeline in pipelines
                   for transform in _transforms_within(pipeline)
                   if transform['type'] == 'Letterbox']
    if not letterboxes:
        raise ValueError(f'{cfg.filename}: no Letterbox in the pipelines of '
                         f'{DATALOADERS} or tta_pipeline, so --input-size '
                         'has nothing to set.')
    for letterbox in letterboxes:
        letterbox['scale'] = input_size
    cfg.input_size = input_size


def _transforms_within(pipeline):
    """The transforms of a pipeline, and those nested in its transforms'
    ``transforms`` (``TestTimeAug``'s list of lists, ``RandomChoice``...).
    """
    for transform in pipeline:
        if isinstance(transform, (list, tuple)):
            yield from _transforms_within(transform)
            continue
        yield transform
        yield from _transforms_within(transform.get('transforms', []))
