import json
import os.path as osp
from typing import Any, Dict, Sequence, Union

from mmengine.dist import barrier, is_main_process
from mmengine.logging import MMLogger
from mmpretrain.registry import DATASETS

from ..utils import load_json
from .chromosome import ChromosomeDataset
from .synthetic import generate_synthetic_dataset


@DATASETS.register_module()
class SyntheticChromosomeDataset(ChromosomeDataset):
    """A :class:`ChromosomeDataset` over synthetic G-band crops, generated
    into ``data_root`` on first use.

    The data is made by
    :func:`mmscl.datasets.synthetic.generate_synthetic_dataset` (on the main
    process; the other ranks wait) unless ``data_root`` already holds a
    complete dataset of the same ``num_cells``, ``seed``, ``domain`` and
    ``splits``.
    A different dataset already there is an error rather than overwritten.

    Args:
        data_root (str): Folder of the generated dataset.
        ann_file (str): Split to read: 'train.csv', 'val.csv', 'test.csv'
            (or their .json twins). Defaults to 'train.csv'.
        num_cells (int): Cells to generate (46 crops each).
        seed (int): Seed of the generator. Defaults to 0.
        domain (str | dict): Rendering domain: 'internal', 'external' or a
            user-defined dict. Defaults to 'internal'.
        splits (Sequence[float]): Fractions of cells in train, val and
            test. ``(0, 0, 1)`` puts all in ``test.csv`` (an external test
            set). Defaults to (0.8, 0.1, 0.1).
        workers (int): Processes that render. Defaults to 2.
        **kwargs: Other arguments of :class:`ChromosomeDataset`.
    """

    def __init__(self,
                 data_root: str,
                 num_cells: int,
                 ann_file: str = 'train.csv',
                 seed: int = 0,
                 domain: Union[str, Dict[str, Any]] = 'internal',
                 splits: Sequence[float] = (0.8, 0.1, 0.1),
                 workers: int = 2,
                 **kwargs):
        wanted = dict(num_cells=num_cells, seed=seed, domain=domain,
                      splits=[float(r) for r in splits])
        if is_main_process():
            self._prepare(data_root, wanted, workers)
        barrier()
        super().__init__(ann_file=ann_file, data_root=data_root, **kwargs)

    @staticmethod
    def _prepare(data_root: str, wanted: dict, workers: int) -> None:
        meta_path = osp.join(data_root, 'meta.json')
        if osp.isfile(meta_path):
            meta = load_json(
                meta_path,
                f'Delete {data_root} to generate the dataset again.')
            found = {key: meta.get(key) for key in wanted}
            # Compared as JSON, as meta.json stores them (tuples -> lists).
            if found != json.loads(json.dumps(wanted)):
                raise ValueError(
                    f'{data_root} holds a synthetic dataset made with '
                    f'{found}, not {wanted}: delete it or choose another '
                    'data_root.')
            return
        MMLogger.get_current_instance().info(
            f'Generating a synthetic chromosome dataset {wanted} in '
            f'{data_root} (once).')
        try:
            generate_synthetic_dataset(data_root, workers=workers, **wanted)
        except FileExistsError:
            raise FileExistsError(
                f'{data_root} holds annotation files but no meta.json (left '
                'by an interrupted generation, or not a synthetic dataset): '
                'delete them, or choose another data_root.') from None
