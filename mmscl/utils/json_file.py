"""Reading JSON files that users or tools wrote, with errors that say
where."""
import json
from typing import Any


def load_json(path: str, advice: str) -> Any:
    """The content of a JSON file (UTF-8, a byte-order mark allowed).

    Args:
        path (str): The file.
        advice (str): What the user should do if it cannot be read, added
            to the error.

    Returns:
        The parsed content.

    Raises:
        ValueError: Naming the file, and the line and column of invalid
            JSON, followed by ``advice``.
    """
    try:
        with open(path, encoding='utf-8-sig') as f:
            return json.load(f)
    except UnicodeDecodeError as e:
        raise ValueError(f'{path}: not UTF-8 text ({e}). {advice}') from None
    except json.JSONDecodeError as e:
        raise ValueError(f'{path}, line {e.lineno} column {e.colno}: not '
                         f'valid JSON ({e.msg}). {advice}') from None
