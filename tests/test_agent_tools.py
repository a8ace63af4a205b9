"""`claimgraph mcp`: an agent connected over stdio with the MCP client finds the claims that depend on
AA-Omniscience, checks a claim, lists conflicts, describes an entity and runs SPARQL."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from .conftest import REAL, ROOT, SEED, run_cli

GROK = "Grok 4.20 Multi-Agent Beta ranks {} on the Intelligence Index at 48"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mcp") / "store"
    assert run_cli("ingest", str(SEED), str(REAL), store=path).returncode == 0
    return path


def session_calls(store: Path, calls: list[tuple[str, dict[str, Any]]]) -> tuple[list[str], list[Any]]:
    async def run() -> tuple[list[str], list[Any]]:
        params = StdioServerParameters(command=sys.executable, args=["-m", "claimgraph", "mcp"], cwd=str(ROOT),
                                       env={"CLAIMGRAPH_STORE": str(store)})
        with anyio.fail_after(120):
            async with stdio_client(params) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    tools = await session.list_tools()
                    results = [await session.call_tool(name, arguments) for name, arguments in calls]
                    return [t.name for t in tools.tools], results

    return anyio.run(run)


def test_an_agent_uses_the_graph_over_stdio(store: Path) -> None:
    names, (depending, rank1, rank3, conflicts, grok, rows, bad) = session_calls(store, [
        ("claims_depending_on", {"target": "AA-Omniscience"}),
        ("check_claim", {"text": GROK.format("1st")}),
        ("check_claim", {"text": GROK.format("3rd")}),
        ("list_conflicts", {"entity_name": "Falcon-7B"}),
        ("describe_entity", {"name": "Grok 4.20 Multi-Agent Beta"}),
        ("sparql_query", {"query": "SELECT ?c WHERE { ?c a cg:Claim }", "limit": 3}),
        ("sparql_query", {"query": "SELEC nonsense"}),
    ])
    assert names == ["sparql_query", "check_claim", "list_conflicts", "describe_entity", "claims_depending_on"]
    cited = depending.structured_content["claims"]
    assert [c["claim"].rsplit("/dossier/", 1)[1] for c in cited] == ["training-methodology-frontier-shift/claim/3"]
    assert cited[0]["date"] == "2026-06-04" and cited[0]["dossier"].endswith("training-methodology-frontier-shift")
    (conflict,) = rank1.structured_content["conflicts"]
    assert conflict["type"] == "rank-inconsistent" and rank1.structured_content["written"] is False
    assert [c["date"] for c in conflict["claims"]] == ["2026-06-04"]  # the held claim it conflicts with, cited
    assert rank3.structured_content["conflicts"] == []
    assert conflicts.structured_content["total"] == 1
    assert conflicts.structured_content["conflicts"][0]["type"] == "score-disagreement"
    values = sorted(s["value"] for s in grok.structured_content["scores"])
    assert values == ["48", "78"] and grok.structured_content["claims"]
    assert rows.structured_content["kind"] == "select" and len(rows.structured_content["rows"]) == 3
    assert rows.structured_content["truncated"] is True
    assert bad.is_error and "syntax" in bad.content[0].text.lower()
