"""Whole cells: karyotype inference under the normal cell's slots, the
type balance of a set of whole cells, and karyograms
(:mod:`mmscl.karyotype.karyogram`, imported on its own as it loads
Matplotlib)."""
from .assignment import (DEFAULT_CONFIDENCE, SEX_COMPLEMENTS, CellAssignment,
                         assign_cell, cell_sex, group_by_cell,
                         type_capacities, why_not_one_cell)
from .balance import balance_autosomes

__all__ = [
    'DEFAULT_CONFIDENCE', 'SEX_COMPLEMENTS', 'CellAssignment', 'assign_cell',
    'balance_autosomes', 'cell_sex', 'group_by_cell', 'type_capacities',
    'why_not_one_cell'
]
