import os.path as osp
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import BaseTTAModel, is_model_wrapper

from mmpretrain.registry import HOOKS
from ..adaptation import (DEFAULT_SHIFT_SCALE, adapt_batchnorm,
                          check_shift_scale, save_adapted)


@HOOKS.register_module()
class AdaptBatchNormHook(Hook):
    """Adapt the model's BatchNorm statistics to the test crops before
    testing (:func:`~mmscl.engine.adaptation.adapt_batchnorm`; labels are
    not read), as ``tools/test.py --adapt`` does. The checkpoint file is
    not changed.

    Args:
        shift_scale (float, optional): See :func:`adapt_batchnorm`.
        save_to (str, optional): Also write the adapted weights to this
            checkpoint file, which must not exist.
    """

    priority = 'LOW'

    def __init__(self,
                 shift_scale: Optional[float] = DEFAULT_SHIFT_SCALE,
                 save_to: Optional[str] = None):
        check_shift_scale(shift_scale)
        if save_to is not None and osp.exists(save_to):
            raise FileExistsError(
                f'AdaptBatchNormHook: save_to {save_to} exists; give a new '
                'file for the adapted weights.')
        self.shift_scale = shift_scale
        self.save_to = save_to

    def before_test(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        batches = runner.test_loop.dataloader
        if isinstance(model, BaseTTAModel):
            # tools/test.py --tta: the statistics of every view.
            model, batches = model.module, _Views(batches)
        adapt_batchnorm(model, batches, self.shift_scale)
        if self.save_to is not None:
            save_adapted(
                model, self.save_to, shift_scale=self.shift_scale,
                adapted_to=runner.cfg.test_dataloader.dataset.get(
                    'ann_file'))


class _Views:
    """Each view of each batch of a ``TestTimeAug`` pipeline, as a batch
    of its own (as ``BaseTTAModel.test_step`` splits them); iterable again
    for each pass of :func:`adapt_batchnorm`."""

    def __init__(self, batches):
        self.batches = batches

    def __iter__(self):
        for batch in self.batches:
            for view in range(len(batch['inputs'])):
                yield {key: value[view] for key, value in batch.items()}
