"""Markdown tables of figures, as the analysis tools and the benchmarks
print them."""
from typing import Sequence


def markdown_table(headers: Sequence[str],
                   rows: Sequence[Sequence[str]],
                   num_text_columns: int = 1) -> str:
    """A Markdown table, text columns left-aligned, numbers right.

    Args:
        headers (Sequence[str]): The column headers.
        rows (Sequence[Sequence[str]]): The cells of every row.
        num_text_columns (int): How many columns, from the left, hold
            text. Defaults to 1.

    Returns:
        str: The table, without a final newline.
    """
    lines = ['| ' + ' | '.join(headers) + ' |',
             '|' + '|'.join(':---' if i < num_text_columns else '---:'
                            for i in range(len(headers))) + '|']
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines)
