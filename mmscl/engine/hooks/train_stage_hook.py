from typing import List, Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class TrainStageHook(Hook):
    """Switch the model's ``train_stage`` at fractions of the run.

    For models trained in stages within one run (Varifocal-Net: supervised
    localisation, weakly supervised localisation, the ensemble on frozen
    networks). Before every training iteration the model's
    ``train_stage`` is set to the last stage whose ``begin`` (a fraction
    of ``max_iters``) the iteration has reached, so a resumed run or a
    shorter ``max_iters`` keeps the proportions.

    Args:
        stages (list[dict]): ``dict(stage=<name>, begin=<fraction>)`` in
            order; the first begins at 0, the others at increasing
            fractions in (0, 1). The names must be in the model's
            ``train_stages``.
    """

    def __init__(self, stages: List[dict]):
        begins = [s.get('begin') if isinstance(s, dict) else None
                  for s in stages]
        if not stages or not all(
                isinstance(s, dict) and set(s) == {'stage', 'begin'}
                for s in stages):
            raise ValueError(
                'TrainStageHook: stages must be a non-empty list of '
                f'dict(stage=..., begin=...), got {stages!r}.')
        if begins[0] != 0 or any(
                not 0 < b < 1 for b in begins[1:]) or begins != sorted(
                    set(begins)):
            raise ValueError(
                'TrainStageHook: the begins of stages must start at 0 and '
                f'increase within [0, 1), got {begins}.')
        self.stages = stages
        self.current: Optional[str] = None

    @staticmethod
    def _model(runner):
        return runner.model.module if is_model_wrapper(
            runner.model) else runner.model

    def before_train(self, runner) -> None:
        known = getattr(self._model(runner), 'train_stages', None)
        if known is None:
            raise ValueError(
                f'TrainStageHook: {type(self._model(runner)).__name__} has '
                'no train_stages; remove the hook from custom_hooks.')
        unknown = [s['stage'] for s in self.stages if s['stage'] not in known]
        if unknown:
            raise ValueError(
                f'TrainStageHook: stages {unknown} are not among the '
                f'model\'s train_stages {known}.')

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        progress = runner.iter / runner.max_iters
        stage = [s['stage'] for s in self.stages if s['begin'] <= progress][-1]
        if stage != self.current:
            self._model(runner).train_stage = stage
            runner.logger.info(
                f'TrainStageHook: train_stage {stage!r} from iteration '
                f'{runner.iter + 1}.')
            self.current = stage
