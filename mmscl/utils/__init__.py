from .input_size import set_input_size
from .json_file import load_json
from .markdown_table import markdown_table
from .resume import checkpoint_fault, find_resumable_checkpoint
from .run_options import apply_balance_types, apply_run_options, apply_tta
from .safe_checkpoint import (checkpoint_safe_globals,
                              register_checkpoint_safe_globals,
                              register_local_checkpoint_loader)
from .schedule import set_max_iters
from .work_dir_lock import lock_work_dir

__all__ = [
    'apply_balance_types', 'apply_run_options', 'apply_tta',
    'checkpoint_fault', 'checkpoint_safe_globals', 'find_resumable_checkpoint',
    'load_json', 'lock_work_dir', 'markdown_table',
    'register_checkpoint_safe_globals', 'register_local_checkpoint_loader',
    'set_input_size', 'set_max_iters'
]
