"""The README is part of the product: its example queries run, its settings and commands exist."""

from __future__ import annotations

import re

import pytest

from claimgraph.interfaces.cli import build_parser
from claimgraph.interfaces.core import Claimgraph
from tests.conftest import REAL, ROOT, select

README = (ROOT / "README.md").read_text(encoding="utf-8")
QUERIES = re.findall(r"```sparql\n(.*?)```", README, flags=re.S)


def test_readme_has_example_queries() -> None:
    assert len(QUERIES) >= 6


@pytest.mark.parametrize("query", QUERIES, ids=[f"query-{i + 1}" for i in range(len(QUERIES))])
def test_readme_query_runs_and_answers_on_the_seed(seeded: Claimgraph, query: str) -> None:
    seeded.ingest([REAL])  # real sources, which disagree: the conflict example needs them
    assert select(seeded, query), "the example query gives no rows on the seed and the real dossiers"


def test_every_setting_is_documented() -> None:
    used = set()
    for path in (ROOT / "src").rglob("*.py"):
        used |= set(re.findall(r"CLAIMGRAPH_[A-Z_]+", path.read_text(encoding="utf-8")))
    assert used, "no settings found"
    undocumented = {name for name in used if f"`{name}`" not in README}
    assert undocumented == set()


def test_every_command_is_documented() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices  # type: ignore[union-attr]
    for name in commands:
        assert f"`claimgraph {name}" in README, name


def test_first_screen_has_the_two_commands() -> None:
    first = README.split("---", 1)[0]
    assert "make serve" in first and "make test" in first
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
