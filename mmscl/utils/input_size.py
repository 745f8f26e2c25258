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
    ``Letterbox`` in the config's dataloaders, in place.

    Args:
        cfg (Config): The config.
        input_size (int): Side of the model input in pixels.
    """
    if not (isinstance(input_size, int) and
            0 < input_size <= MAX_INPUT_SIZE):
        raise ValueError(
            f'input size must be an int in 1..{MAX_INPUT_SIZE} (pixels), '
            f'got {input_size!r}')
    found = False
    for name in DATALOADERS:
        loader = cfg.get(name)
        if not loader:
            continue
        for transform in loader.dataset.get('pipeline', []):
            if transform['type'] == 'Letterbox':
                transform['scale'] = input_size
                found = True
    if not found:
        raise ValueError(f'{cfg.filename}: no Letterbox in the pipelines of '
                         f'{DATALOADERS}, so --input-size has nothing to set.')
    cfg.input_size = input_size
