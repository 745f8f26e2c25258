"""Whole cells: karyotype inference under the normal cell's slots, and
karyograms (:mod:`mmscl.karyotype.karyogram`, imported on its own as it
loads Matplotlib)."""
from .assignment import (DEFAULT_CONFIDENCE, SEX_COMPLEMENTS, CellAssignment,
                         assign_cell, cell_sex, group_by_cell,
                         type_capacities, why_not_one_cell)

__all__ = [
    'DEFAULT_CONFIDENCE', 'SEX_COMPLEMENTS', 'CellAssignment', 'assign_cell',
    'cell_sex', 'group_by_cell', 'type_capacities', 'why_not_one_cell'
]
