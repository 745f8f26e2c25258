"""Loading checkpoints written before a model's modules moved into its
backbone or head."""
from typing import Callable, Dict, Sequence


def moved_keys_hook(moves: Dict[str, Sequence[str]]) -> Callable:
    """A ``load_state_dict`` pre-hook that renames the keys of modules
    that moved into a child, e.g. ``localizer.fc.weight`` to
    ``backbone.localizer.fc.weight``.

    Args:
        moves (dict[str, Sequence[str]]): Per child (``'backbone'``,
            ``'head'``) the names of the modules that moved into it.

    Returns:
        Callable: The hook, for ``_register_load_state_dict_pre_hook``.
    """
    parents = {name: parent for parent, names in moves.items()
               for name in names}

    def hook(state_dict, prefix, *args):
        for key in list(state_dict):
            name = key[len(prefix):].split('.', 1)[0]
            if key.startswith(prefix) and name in parents:
                new_key = f'{prefix}{parents[name]}.{key[len(prefix):]}'
                state_dict[new_key] = state_dict.pop(key)

    return hook
