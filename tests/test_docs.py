"""README.md stays short and every relative link of it and of docs/*.md
resolves: to an existing file and, with ``#anchor``, to a heading of it."""
import glob
import os.path as osp
import re

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
README = osp.join(ROOT, 'README.md')
PAGES = [README] + sorted(glob.glob(osp.join(ROOT, 'docs', '*.md')))
MAX_README_LINES = 250

# [text](target) and ![alt](target); the target ends at a space (a title
# follows) or at the closing parenthesis.
LINK = re.compile(r'!?\[[^\]]*\]\(([^)\s]+)[^)]*\)')
FENCE = re.compile(r'^\s*(```|~~~)')


def prose_lines(path):
    """The lines of a markdown file outside fenced code blocks."""
    in_code = False
    with open(path, encoding='utf-8') as f:
        for line in f:
            if FENCE.match(line):
                in_code = not in_code
            elif not in_code:
                yield line


def relative_links(path):
    for line in prose_lines(path):
        for target in LINK.findall(line):
            if not re.match(r'[a-z][a-z0-9+.-]*:', target):  # http:, mailto:
                yield target


def github_anchor(heading):
    """The anchor GitHub gives a heading: lower case, punctuation but
    ``-`` and ``_`` dropped, spaces as ``-``."""
    text = heading.strip().lower()
    text = re.sub(r'[^\w\- ]', '', text)
    return text.replace(' ', '-')


def anchors(path):
    found = set()
    for line in prose_lines(path):
        match = re.match(r'#{1,6}\s+(.*)', line)
        if match:
            found.add(github_anchor(match.group(1)))
    return found


def test_readme_fits_on_a_few_screens():
    with open(README, encoding='utf-8') as f:
        num_lines = len(f.readlines())
    assert num_lines <= MAX_README_LINES


def test_readme_links_to_every_docs_page():
    linked = {osp.normpath(osp.join(ROOT, target.split('#')[0]))
              for target in relative_links(README)}
    unlinked = [page for page in PAGES[1:] if page not in linked]
    assert not unlinked


@pytest.mark.parametrize('page', PAGES, ids=lambda p: osp.relpath(p, ROOT))
def test_relative_links_resolve(page):
    broken = []
    for target in relative_links(page):
        file_part, _, anchor = target.partition('#')
        path = (osp.normpath(osp.join(osp.dirname(page), file_part))
                if file_part else page)
        if not osp.exists(path):
            broken.append(f'{target}: no file {osp.relpath(path, ROOT)}')
        elif anchor and path.endswith('.md') and anchor not in anchors(path):
            broken.append(f'{target}: no heading #{anchor}')
    assert not broken


def test_anchor_of_a_heading_as_github_writes_it():
    assert github_anchor(
        'Chromosome lengths at start-up (`length_measurement.py`)'
    ) == 'chromosome-lengths-at-start-up-length_measurementpy'
    assert github_anchor('Measured: cross-lab normalisation (2026-12-01)'
                         ) == 'measured-cross-lab-normalisation-2026-12-01'


def named_tests(cell, default_file):
    """``(file, function)`` of each test a bad-input table cell names:
    ``file.py::name`` sets the file for the names after it."""
    current = default_file
    for name in re.findall(r'`([^`]+)`', cell):
        file_part, sep, function = name.rpartition('::')
        if sep:
            current = file_part
        yield current, function.split('[')[0]


def test_bad_input_table_names_existing_tests():
    page = osp.join(ROOT, 'docs', 'bad_input.md')
    rows = [line for line in prose_lines(page) if line.startswith('| ')]
    assert rows[0].startswith('| Bad input |')
    missing = []
    for row in rows[2:]:
        last_cell = row.rstrip().rstrip('|').rsplit('|', 1)[1]
        tests = list(named_tests(last_cell, 'test_bad_input.py'))
        if not tests:
            missing.append(f'no test named in: {row[:60]}')
        for file_name, function in tests:
            with open(osp.join(ROOT, 'tests', file_name),
                      encoding='utf-8') as f:
                if not re.search(rf'^def {re.escape(function)}\(',
                                 f.read(), re.M):
                    missing.append(f'{file_name}::{function}')
    assert len(rows) > 2 and not missing
