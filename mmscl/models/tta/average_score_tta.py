from typing import List

from mmpretrain.models import AverageClsScoreTTA
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


@MODELS.register_module()
class AverageScoreTTA(AverageClsScoreTTA):
    """Average the scores of a crop's test-time views, and predict their
    best class.

    MMPretrain's ``AverageClsScoreTTA`` keeps the first view's
    ``pred_label`` beside the averaged score, so ``tools/test.py --out``
    would dump labels that disagree with the scores; here the label is the
    averaged score's argmax.
    """

    def _merge_single_sample(self,
                             data_samples: List[DataSample]) -> DataSample:
        merged = super()._merge_single_sample(data_samples)
        return merged.set_pred_label(merged.pred_score.argmax())
