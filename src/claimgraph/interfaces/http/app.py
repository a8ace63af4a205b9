"""The HTTP app: a SPARQL 1.1 query endpoint at ``/sparql`` (and ``/query``), ``/health`` and a home page.

Query routes are plain ``def`` (run in the thread pool): pyoxigraph releases the GIL while it evaluates
and serialises, and its results are bound to the thread that made them, so each request runs and
serialises its query in one call on one thread. Results are serialised by pyoxigraph, never re-encoded
in Python.
"""

from __future__ import annotations

import html
from urllib.parse import parse_qs
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat

from claimgraph import __version__
from claimgraph.config import Settings
from claimgraph.errors import ClaimgraphError, QueryError
from claimgraph.interfaces.core import Claimgraph
from claimgraph.interfaces.http.negotiation import best_match
from claimgraph.namespaces import PREFIXES

__all__ = ["create_app"]

_RESULT_TYPES = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "application/xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
}
_GRAPH_TYPES = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/n-quads": RdfFormat.N_QUADS,
    "application/trig": RdfFormat.TRIG,
    "text/plain": RdfFormat.N_TRIPLES,
}
_CHARSET = {"text/csv", "text/tab-separated-values", "text/turtle", "text/plain"}


def problem(status: int, title: str, detail: str) -> JSONResponse:
    """An RFC 9457 problem document."""
    return JSONResponse({"type": "about:blank", "title": title, "status": status, "detail": detail},
                        status_code=status, media_type="application/problem+json")


def create_app(graph: Claimgraph | Settings) -> FastAPI:
    """The app around ``graph``; given Settings, the app opens the store at start-up and closes it at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if isinstance(graph, Settings):
            app.state.graph = Claimgraph(graph)
            try:
                yield
            finally:
                app.state.graph.close()
        else:
            app.state.graph = graph
            yield

    app = FastAPI(title="claimgraph", version=__version__, lifespan=lifespan,
                  description="A knowledge graph of AI capability claims, served over SPARQL 1.1.")

    def run_query(request: Request, query: str | None) -> Response:
        if query is None or not query.strip():
            return problem(400, "Missing query", "give a SPARQL query in the 'query' parameter "
                                                 "or as an application/sparql-query body")
        core: Claimgraph = request.app.state.graph
        try:
            result = core.store.query(query, prefixes=PREFIXES)
        except QueryError as exc:
            return problem(400, "Bad query", str(exc))
        accept = request.headers.get("accept")
        if isinstance(result, (QuerySolutions, QueryBoolean)):
            media = best_match(accept, list(_RESULT_TYPES))
            if media is None:
                return problem(406, "Not acceptable", "SELECT and ASK results are offered as "
                                                      + ", ".join(_RESULT_TYPES))
            body = result.serialize(format=_RESULT_TYPES[media])
        else:
            media = best_match(accept, list(_GRAPH_TYPES))
            if media is None:
                return problem(406, "Not acceptable", "CONSTRUCT and DESCRIBE results are offered as "
                                                      + ", ".join(_GRAPH_TYPES))
            body = result.serialize(format=_GRAPH_TYPES[media])
        content_type = f"{media}; charset=utf-8" if media in _CHARSET else media
        return Response(body, media_type=content_type, headers={"Vary": "Accept"})

    @app.get("/sparql", summary="SPARQL 1.1 query (GET)")
    @app.get("/query", include_in_schema=False)
    def sparql_get(request: Request, query: str | None = None) -> Response:
        return run_query(request, query)

    @app.post("/sparql", summary="SPARQL 1.1 query (POST form or application/sparql-query)")
    @app.post("/query", include_in_schema=False)
    async def sparql_post(request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/sparql-query":
            try:
                query = (await request.body()).decode("utf-8")
            except UnicodeDecodeError:
                return problem(400, "Bad query", "the query body is not UTF-8")
        elif content_type == "application/x-www-form-urlencoded":
            try:
                form = parse_qs((await request.body()).decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                return problem(400, "Bad query", "the form body is not UTF-8")
            values = form.get("query", [])
            if len(values) > 1:
                return problem(400, "Bad query", "give exactly one 'query' parameter")
            query = values[0] if values else None
        else:
            return problem(415, "Unsupported media type",
                           "send application/sparql-query or application/x-www-form-urlencoded")
        return await run_in_threadpool(run_query, request, query)

    @app.get("/health", summary="liveness and store check")
    def health(request: Request) -> JSONResponse:
        core: Claimgraph = request.app.state.graph
        return JSONResponse({"status": "ok", "store": core.store.location, "quads": core.store.count()})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        core: Claimgraph = request.app.state.graph
        counts = core.stats().classes
        items = "".join(f"<li>{html.escape(k)}: {v}</li>" for k, v in counts.items() if v)
        example = "SELECT ?claim ?stance ?text WHERE {\n  ?claim a cg:Claim ; cg:stance ?stance ; cg:text ?text\n}"
        return HTMLResponse(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>claimgraph</title></head>
<body>
<h1>claimgraph</h1>
<p>A knowledge graph of AI capability claims. SPARQL 1.1 endpoint: <a href="/sparql">/sparql</a>
(prefixes {html.escape(', '.join(PREFIXES))} predeclared).</p>
<ul>{items}</ul>
<form action="/sparql" method="get">
<textarea name="query" rows="6" cols="80">{html.escape(example)}</textarea><br>
<button type="submit">Run query</button>
</form>
</body></html>""")

    @app.exception_handler(ClaimgraphError)
    async def claimgraph_error(request: Request, exc: ClaimgraphError) -> JSONResponse:
        status = 503 if exc.exit_code == 3 else 400
        return problem(status, type(exc).__name__, str(exc))

    return app
