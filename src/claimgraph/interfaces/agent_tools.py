"""``claimgraph mcp``: the graph as tools for agents, over the Model Context Protocol (stdio).

Tools, each answering structured JSON (with its JSON schema) that is bounded (a ``limit``, at most
``MAX_LIMIT`` items) and cited (claim IRIs, their dossiers and dates):

* ``sparql_query`` — a read-only SPARQL query, run with the server's time limit in a worker process;
* ``check_claim`` — the conflicts a proposed claim would create; writes nothing;
* ``list_conflicts`` — the conflicts the graph holds, filtered;
* ``describe_entity`` — a model, method or benchmark: its labels, scores and the claims about it;
* ``claims_depending_on`` — the claims whose truth rests on an entity or a claim (optionally transitively).

Errors in the caller's input (a bad query, an unknown entity) come back as tool errors with the message,
so the agent can correct itself.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field
from pyoxigraph import NamedNode

from claimgraph import __version__
from claimgraph.config import Settings
from claimgraph.errors import ClaimgraphError
from claimgraph.interfaces.core import Claimgraph, in_background
from claimgraph.interfaces.http.conflicts import ConflictType, Severity
from claimgraph.namespaces import PREFIXES
from claimgraph.services import catalog
from claimgraph.services.citations import cite_claims, claims_depending_on
from claimgraph.services.conflicts import ConflictFilter, conflicts_json
from claimgraph.services.executor import executor_for

__all__ = ["build_server", "MAX_LIMIT"]

MAX_LIMIT = 200
_RESULT_BYTES = 16 * 1024 * 1024



class Citation(BaseModel):
    claim: str = Field(description="the claim's IRI")
    text: str = Field(description="the claim's words (shortened past 400 characters)")
    stance: str
    dossier: str = Field(description="the IRI of the dossier that makes the claim")
    dossier_title: str | None = None
    date: str | None = Field(None, description="when the claim was first asserted (YYYY-MM-DD)")


class ConflictItem(BaseModel):
    id: str
    type: str
    severity: str
    explanation: str
    claims: list[Citation]
    evidence: list[dict[str, Any]]


class QueryResult(BaseModel):
    kind: Literal["select", "ask", "graph"]
    variables: list[str] = []
    rows: list[dict[str, Any]] = Field([], description="SELECT solutions, each variable as a SPARQL JSON term")
    boolean: bool | None = None
    triples: list[str] = Field([], description="CONSTRUCT / DESCRIBE triples, as N-Triples lines")
    truncated: bool = Field(False, description="whether more results were left off than the limit allows")


class CheckResult(BaseModel):
    conflicts: list[ConflictItem]
    written: bool = Field(False, description="always false: a check writes nothing")


class ConflictList(BaseModel):
    total: int
    conflicts: list[ConflictItem]
    truncated: bool


class ScoreItem(BaseModel):
    statement: str
    model: str | None
    benchmark: str | None
    metric: str | None
    value: str | None
    unit: str | None
    rank: str | None
    setting: str | None
    claim: str | None


class EntityDescription(BaseModel):
    iri: str
    label: str | None
    types: list[str]
    alt_labels: list[str]
    scores: list[ScoreItem]
    claims: list[Citation]
    truncated: bool


class DependentClaims(BaseModel):
    target: str
    total: int
    claims: list[Citation]
    truncated: bool


def _bounded(limit: int) -> int:
    return max(1, min(int(limit), MAX_LIMIT))


def build_server(settings: Settings) -> MCPServer:
    """The MCP server over the store ``settings`` name (opened when a client connects)."""
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_: MCPServer) -> AsyncIterator[None]:
        graph = Claimgraph(settings, create=False)
        executor = executor_for(graph.store, workers=1, time_limit=settings.query_timeout,
                                max_result_bytes=_RESULT_BYTES)
        await executor.start()
        state.update(graph=graph, executor=executor)
        # conflicts current and their facts in memory, so that check_claim reads no more than it must
        in_background(graph.prepare_conflicts, "claimgraph-warm")
        try:
            yield
        finally:
            await executor.close()
            graph.close()

    server = MCPServer("claimgraph", version=__version__, lifespan=lifespan,
                       instructions="A knowledge graph of AI capability claims. Before asserting a claim about a "
                                    "model's scores, comparisons or a method, call check_claim; cite claim IRIs.")

    def graph() -> Claimgraph:
        return state["graph"]  # type: ignore[no-any-return]

    def citations(claims: list[str]) -> list[Citation]:
        return [Citation(**c) for c in cite_claims(graph().store, claims)]

    def conflict_items(found: list[Any], facts: Any) -> list[ConflictItem]:
        out = []
        for body in conflicts_json(found, facts):
            out.append(ConflictItem(id=body["id"], type=body["type"], severity=body["severity"],
                                    explanation=body["explanation"], claims=citations(body["claims"]),
                                    evidence=body["evidence"]))
        return out

    def entity(name: str) -> str:
        try:
            return graph().resolve_entity(name)
        except ClaimgraphError as exc:
            raise ToolError(str(exc)) from None

    @server.tool(description="Run a read-only SPARQL 1.1 query (SELECT, ASK, CONSTRUCT or DESCRIBE) over the whole "
                             "graph; prefixes cg, cgid, rdf, rdfs, xsd, owl, skos, prov, dcterms, schema, oa are "
                             "predeclared. The default graph is the union of all graphs. At most `limit` rows.")
    async def sparql_query(query: str, limit: int = 50) -> QueryResult:
        limit = _bounded(limit)
        try:
            answer = await state["executor"].run(
                query, accept="application/sparql-results+json, application/n-triples;q=0.9", prefixes=PREFIXES)
            body = answer.body if answer.body is not None else b"".join([c async for c in answer.chunks])
        except ClaimgraphError as exc:
            raise ToolError(str(exc)) from None
        if answer.media_type.startswith("application/n-triples"):
            lines = [line for line in body.decode("utf-8").splitlines() if line.strip()]
            return QueryResult(kind="graph", triples=lines[:limit], truncated=len(lines) > limit)
        data = json.loads(body)
        if "boolean" in data:
            return QueryResult(kind="ask", boolean=data["boolean"])
        rows = data["results"]["bindings"]
        return QueryResult(kind="select", variables=data["head"].get("vars", []), rows=rows[:limit],
                           truncated=len(rows) > limit)

    @server.tool(description="Dry run before asserting: the conflicts a proposed claim would create with what the "
                             "graph holds (score disagreements, contradicted comparisons or ranks, …). Give the "
                             "claim's `text`, and/or structured `assertions` ({scores: [{model, benchmark, value, "
                             "unit, rank, metric, shots, …}], comparisons: [{model, other, direction, benchmark|"
                             "domain}], propositions, trends, depends_on}). Writes nothing.")
    def check_claim(text: str | None = None, assertions: dict[str, Any] | None = None, stance: str = "proposed",
                    date_asserted: str | None = None) -> CheckResult:
        proposal: dict[str, Any] = {"stance": stance}
        if text is not None:
            proposal["text"] = text
        if assertions is not None:
            proposal["assertions"] = assertions
        if date_asserted is not None:
            proposal["date"] = date_asserted
        try:
            found, facts = graph().check(proposal, today=date.today())
        except ClaimgraphError as exc:
            raise ToolError(str(exc)) from None
        return CheckResult(conflicts=conflict_items(found, facts))

    @server.tool(description="The conflicts between claims that the graph holds, filtered by type, severity, an "
                             "entity (IRI or label) or a claim IRI; each with its explanation, evidence and the "
                             "claims involved, cited.")
    def list_conflicts(type: ConflictType | None = None, severity: Severity | None = None,
                       entity_name: str | None = None, claim: str | None = None, limit: int = 20) -> ConflictList:
        limit = _bounded(limit)
        where = ConflictFilter(type, severity, claim, entity(entity_name) if entity_name else None)
        try:
            found, _ = graph().list_conflicts(where)
        except ClaimgraphError as exc:
            raise ToolError(str(exc)) from None
        page = found[:limit]
        facts = graph().conflicts.evidence_facts(page)
        return ConflictList(total=len(found), conflicts=conflict_items(page, facts), truncated=len(found) > limit)

    @server.tool(description="Describe a model, method, benchmark, metric or organisation (IRI or any label): its "
                             "labels and types, the scores the graph holds for it, and the claims that mention or "
                             "depend on it, cited.")
    def describe_entity(name: str, limit: int = 50) -> EntityDescription:
        limit = _bounded(limit)
        iri = entity(name)
        detail = catalog.entity_detail(graph().store, NamedNode(iri), limit, scores_limit=limit)
        if detail is None:
            raise ToolError(f"the graph holds nothing about {iri}")
        scores = [ScoreItem(statement=s["score"]["value"],
                            **{k: (s[k]["value"] if s.get(k) else None)
                               for k in ("model", "benchmark", "metric", "value", "unit", "rank", "setting", "claim")})
                  for s in detail["scores"]]
        claims = [c["iri"] for c in detail["claims"]]
        return EntityDescription(iri=iri, label=detail["label"], types=detail["types"], alt_labels=detail["altLabels"],
                                 scores=scores[:limit], claims=citations(claims[:limit]),
                                 truncated=detail["scoresTotal"] > limit or len(scores) > limit
                                 or detail["claimsTotal"] > limit)

    @server.tool(name="claims_depending_on", description="The claims whose truth rests on an entity (a benchmark, method or model; IRI or "
                             "label) or on a claim (IRI): what must be re-examined if it changed or fell. With "
                             "`transitive`, also the claims that depend on those.")
    def claims_depending_on_tool(target: str, transitive: bool = False, limit: int = 50) -> DependentClaims:
        limit = _bounded(limit)
        iri = target if target.startswith(("http://", "https://")) else entity(target)
        found = claims_depending_on(graph().store, iri, transitive=transitive)
        return DependentClaims(target=iri, total=len(found), claims=citations(found[:limit]),
                               truncated=len(found) > limit)

    return server
