from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from claimgraph.config import Settings
from claimgraph.interfaces.core import Claimgraph

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED = next(SEEDS.glob("*.txt"))
DATA = Path(__file__).resolve().parent / "data"
DOSSIERS = DATA / "dossiers"


@pytest.fixture
def graph() -> Iterator[Claimgraph]:
    """An empty claimgraph on an in-memory store."""
    with Claimgraph(Settings(store="memory:")) as g:
        yield g


@pytest.fixture
def seeded(graph: Claimgraph) -> Claimgraph:
    graph.ingest([SEEDS])
    return graph


def select(graph: Claimgraph, sparql: str, **bindings: object) -> list[dict[str, str]]:
    """Rows of a SELECT as {variable: value} with the predeclared prefixes."""
    from claimgraph.namespaces import PREFIXES

    result = graph.store.query(sparql, prefixes=PREFIXES, substitutions=bindings or None)  # type: ignore[arg-type]
    names = [v.value for v in result.variables]  # type: ignore[union-attr]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]  # type: ignore[union-attr]


def run_cli(*args: str, store: Path | str | None = None, stdin: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `claimgraph ARGS` in a fresh process, as a user would."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMGRAPH_")}
    if store is not None:
        full_env["CLAIMGRAPH_STORE"] = str(store)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "claimgraph", *args], input=stdin, capture_output=True,
                          text=True, env=full_env, cwd=ROOT, timeout=120)
