"""The pages people look at (server-rendered Jinja2 templates), each with its JSON twin: the home page, the
query editor (YASGUI on /sparql), the graph explorer (Cytoscape.js), and the rich pages of claims, models,
methods and benchmarks that the linked-data resolver serves at their ``/id/…`` paths."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates

from claimgraph.errors import ClaimgraphError
from claimgraph.interfaces.core import Claimgraph
from claimgraph.interfaces.http.deps import core
from claimgraph.interfaces.http.problems import Problem
from claimgraph.namespaces import PREFIXES
from claimgraph.services import analytics, views
from claimgraph.services.catalog import local_path

__all__ = ["router", "templates", "render", "STATIC", "examples"]

router = APIRouter(tags=["Pages"])
HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))


def render(request: Request, name: str, title: str, twin: str | None, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"title": title, "twin": twin, **context})


def examples() -> list[dict[str, str]]:
    """The example queries the editor offers (the README's, kept in step by a test)."""
    folder = resources.files("claimgraph.services").joinpath("queries", "examples")
    out = []
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".rq"):
            title, _, query = item.read_text(encoding="utf-8").partition("\n")
            # the endpoint predeclares the prefixes; the editor's checker does not know that, so they are written
            used = [f"PREFIX {name}: <{iri}>" for name, iri in PREFIXES.items() if f"{name}:" in query]
            out.append({"title": title.lstrip("# ").strip(), "query": "\n".join(used + [query.strip()]) + "\n"})
    return out


def _home(request: Request) -> dict[str, Any]:
    """The home page's read model, with ``current``: whether it is of the store as it is now (after a write, a
    home page slow to make is sent as it was while it is made again: see :meth:`Claimgraph.memo_of`)."""
    graph = core(request)
    view, generation = _home_view(graph)
    return {**view, "current": generation == graph.store.generation}


def _home_view(graph: Claimgraph) -> tuple[dict[str, Any], int]:
    graph.conflicts.ensure_current()
    return graph.memo_of("home", lambda: views.home_view(graph.store, graph.conflicts, graph.stats().as_dict(),
                                                         _benchmarks(graph)))


def _benchmarks(graph: Claimgraph) -> list[dict[str, Any]]:
    """The busiest benchmarks (``analytics.centrality``): the graph explorer's 200, of which the home page shows
    the first ten. Read once for both (2.3 s at 100k claims), and never older than the store: each page made from
    it is then as new as it says it is."""
    return graph.memo_current("benchmarks", lambda: analytics.centrality(graph.store, "Benchmark", 200))


def _graph_options(graph: Claimgraph) -> dict[str, Any]:
    """The graph explorer's choices: stances, dossiers, kinds, the busiest benchmarks."""
    def options() -> dict[str, Any]:
        stances = sorted(r["stance"].value for r in graph.store.query(  # type: ignore[union-attr]
            "SELECT DISTINCT ?stance WHERE { ?c a cg:Claim ; cg:stance ?stance }", prefixes=PREFIXES))
        dossiers = [{"iri": r["d"].value, "label": r["t"].value} for r in graph.store.query(  # type: ignore[union-attr]
            "SELECT ?d ?t WHERE { ?d a cg:Dossier ; dcterms:title ?t } ORDER BY STR(?t) ?d LIMIT 500",
            prefixes=PREFIXES)]
        # the claims counted alone: 0.03 s at 100k claims, where every count of the home page takes 2.3 s
        claims = next(iter(graph.store.query(  # type: ignore[call-overload]
            "SELECT (COUNT(?c) AS ?n) WHERE { ?c a cg:Claim }", prefixes=PREFIXES)))["n"]
        return {"stances": stances, "dossiers": dossiers, "kinds": list(analytics.KINDS), "claims": int(claims.value),
                "benchmarks": _benchmarks(graph)}

    return graph.memo("graph-options", options)


def warm(graph: Claimgraph) -> None:
    """What a server does as it starts, in the background: conflicts current, their facts in memory, the home
    page and the graph explorer's choices made, so that the first visitors wait no longer than the rest."""
    graph.prepare_conflicts()
    for make in (_home_view, _graph_options):
        try:
            make(graph)
        except Exception:  # noqa: BLE001 - a head start only: the first request reports any error
            pass


@router.get("/index.json", summary="What the graph holds: counts, dossiers, recent claims, conflicts (the home page's twin)")
async def home_json(request: Request) -> JSONResponse:
    view = await run_in_threadpool(_home, request)
    return JSONResponse({**view["counts"], **view, "sparql": "/sparql", "void": "/.well-known/void", "docs": "/docs"})


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def home(request: Request) -> HTMLResponse:
    view = await run_in_threadpool(_home, request)
    return render(request, "home.html", "claimgraph", "/index.json", view=view)


@router.get("/editor.json", summary="The query editor's example queries")
def editor_json() -> JSONResponse:
    return JSONResponse({"endpoint": "/sparql", "prefixes": PREFIXES, "examples": examples()})


@router.get("/editor", response_class=HTMLResponse, include_in_schema=False)
def editor(request: Request) -> HTMLResponse:
    return render(request, "editor.html", "Query editor", "/editor.json", view={"examples": examples()},
                  prefixes=list(PREFIXES))


def _graph_filter(request: Request, around: str | None, depth: int, kind: list[str] | None, stance: str | None,
                  dossier: str | None, benchmark: str | None) -> analytics.GraphFilter:
    graph = core(request)
    try:
        centre = graph.resolve_entity(around) if around else None
        bench = graph.resolve_entity(benchmark) if benchmark else None
    except ClaimgraphError as exc:
        raise Problem(400, str(exc)) from None
    kinds = frozenset(kind) if kind else None
    if kinds is not None and not kinds <= set(analytics.KINDS):
        raise Problem(400, f"kind must be among {', '.join(analytics.KINDS)}")
    return analytics.GraphFilter(around=centre, depth=depth, kinds=kinds, stance=stance or None,
                                 dossier=dossier or None, benchmark=bench)


@router.get("/graph.json", summary="The claims graph as Cytoscape.js elements (whole, or around an entity)")
async def graph_json(
    request: Request,
    around: Annotated[str | None, Query(description="an entity or claim (IRI or label): draw its neighbourhood")] = None,
    depth: Annotated[int, Query(ge=0, le=4)] = 1,
    kind: Annotated[list[str] | None, Query(description="node kinds to draw (claims are drawn with them)")] = None,
    stance: str | None = None, dossier: str | None = None,
    benchmark: Annotated[str | None, Query(description="only claims resting on or naming this benchmark")] = None,
) -> JSONResponse:
    where = _graph_filter(request, around, depth, kind, stance, dossier, benchmark)

    def build() -> JSONResponse:
        try:
            graph = analytics.build_graph(core(request).store, where)
        except ClaimgraphError as exc:
            raise Problem(400, str(exc)) from None
        if where.around and where.around in graph:
            graph.nodes[where.around]["centre"] = True
        elements = analytics.cytoscape_elements(graph)
        return JSONResponse({"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(),
                             "around": where.around,
                             "around_label": graph.nodes[where.around]["label"] if where.around in graph else None,
                             "elements": elements["nodes"] + elements["edges"]})

    return await run_in_threadpool(build)


@router.get("/graph", response_class=HTMLResponse, include_in_schema=False)
async def graph_page(request: Request, around: str | None = None, depth: int = 1, stance: str | None = None,
                     dossier: str | None = None, benchmark: str | None = None) -> HTMLResponse:
    view = await run_in_threadpool(_graph_options, core(request))
    if around is None and view["claims"] > 400 and view["benchmarks"]:
        around = view["benchmarks"][0]["iri"]  # a big graph opens on its busiest benchmark, not on everything
    params = {"around": around, "depth": depth, "stance": stance, "dossier": dossier, "benchmark": benchmark}
    return render(request, "graph.html", "Graph explorer", "/graph.json", view=view, params=params)


def conflicts_page(request: Request, payload: dict[str, Any], params: dict[str, Any], types: list[str]) -> HTMLResponse:
    for item in payload["items"]:
        for evidence in item["evidence"]:
            evidence["claim_path"] = local_path(evidence.get("claim") or "") or "#"
    return render(request, "conflicts.html", "Conflicts", "/conflicts.json", view=payload, params=params, types=types)


_GRAPH_MEDIA = {"graphml": "application/graphml+xml", "gexf": "application/gexf+xml", "cytoscape": "application/json",
                "nodelink": "application/json", "dot": "text/vnd.graphviz"}


@router.get("/api/graph", summary="The claims graph for graph tools: GraphML, GEXF, Cytoscape JSON, node-link JSON "
                                  "or DOT, whole or around an entity",
            responses={200: {"content": {m: {} for m in dict.fromkeys(_GRAPH_MEDIA.values())}}})
async def graph_export(
    request: Request,
    format: Annotated[str, Query(description="graphml, gexf, cytoscape, nodelink or dot")] = "graphml",
    around: Annotated[str | None, Query(description="an entity or claim (IRI or label)")] = None,
    depth: Annotated[int, Query(ge=0, le=4)] = 2,
) -> Response:
    if format not in _GRAPH_MEDIA:
        raise Problem(400, f"format must be one of {', '.join(_GRAPH_MEDIA)}")
    where = _graph_filter(request, around, depth, None, None, None, None)

    def build() -> Response:
        try:
            body = analytics.write_graph(analytics.build_graph(core(request).store, where), format)
        except ClaimgraphError as exc:
            raise Problem(400, str(exc)) from None
        return Response(body, media_type=_GRAPH_MEDIA[format])

    return await run_in_threadpool(build)


@router.get("/api/impact", summary="The claims to re-examine, transitively, if a benchmark, method, model or claim "
                                   "were withdrawn")
async def impact(request: Request,
                 target: Annotated[str, Query(description="an entity or claim (IRI or label)")]) -> JSONResponse:
    graph = core(request)
    try:
        iri = target if target.startswith(("http://", "https://")) else graph.resolve_entity(target)
    except ClaimgraphError as exc:
        raise Problem(400, str(exc)) from None
    claims = await run_in_threadpool(analytics.impact, graph.store, iri)
    return JSONResponse({"target": iri, "total": len(claims),
                         "claims": [{"iri": c, "path": local_path(c)} for c in claims]})


@router.get("/api/centrality", summary="The entities of a kind that carry the most claims")
async def centrality(request: Request, kind: str = "Benchmark",
                     limit: Annotated[int, Query(ge=1, le=500)] = 20) -> JSONResponse:
    try:
        items = await run_in_threadpool(analytics.centrality, core(request).store, kind, limit)
    except ClaimgraphError as exc:
        raise Problem(400, str(exc)) from None
    return JSONResponse({"kind": kind, "items": items})
