"""Follow every documentation page as a new user would and check what it prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.examples import mdrun

DOCS = mdrun.REPO / "docs"
PAGES = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")
               if p.name not in ("internals.md", "conformance.md"))


@pytest.mark.parametrize("page", PAGES)
def test_page_as_written(page: str, tmp_path: Path) -> None:
    """Each console command prints what the page shows; each diff applies; shown files are
    the real files."""
    problems = mdrun.check_page(DOCS / page, tmp_path)
    assert not problems, "\n\n".join(problems)


def test_readme_as_written(tmp_path: Path) -> None:
    """The README's examples print what it shows."""
    problems = mdrun.check_page(mdrun.REPO / "README.md", tmp_path)
    assert not problems, "\n\n".join(problems)
