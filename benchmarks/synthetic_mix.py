"""The dataset of the experiment of benchmarks/README.md ("Synthetic cells
mixed into training"): gband612's training crops with synthetic cells of
a domain-randomised generator added, so that the model sees many stains,
optics, band levels and condensations besides gband612's one lab.

The config that uses it imports this module with ``custom_imports``, so
the repository root must be on ``sys.path`` (``PYTHONPATH=.`` from the
root; ``benchmarks/tool_run.py`` puts it there for the runs it starts).
"""
from typing import List

from mmpretrain.registry import DATASETS

from mmscl.datasets import ChromosomeDataset


@DATASETS.register_module()
class ChromosomeDatasetWithSynthetic(ChromosomeDataset):
    """A :class:`ChromosomeDataset` whose data list also holds the crops of
    a synthetic dataset.

    Each part keeps its own reference lengths (a synthetic cell's, or the
    synthetic dataset's median at the dataset level), and the
    :class:`PairedTypeSampler` draws a type's crops from both parts alike.

    Args:
        synthetic (dict): The config of a
            :class:`SyntheticChromosomeDataset` (its pipeline is not used).
        **kwargs: The arguments of :class:`ChromosomeDataset`.
    """

    def __init__(self, synthetic: dict, **kwargs):
        self.synthetic = synthetic
        super().__init__(**kwargs)

    def load_data_list(self) -> List[dict]:
        """The annotation's data infos, then the synthetic dataset's."""
        extra = DATASETS.build(
            dict(self.synthetic, type='SyntheticChromosomeDataset',
                 pipeline=[], serialize_data=False))
        return super().load_data_list() + list(extra.data_list)
