"""Pages for people: the home page (the web issue builds the rest)."""

from __future__ import annotations

import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from claimgraph.interfaces.http.deps import core
from claimgraph.namespaces import PREFIXES

__all__ = ["router"]

router = APIRouter(tags=["Pages"])

_EXAMPLE = "SELECT ?claim ?stance ?text WHERE {\n  ?claim a cg:Claim ; cg:stance ?stance ; cg:text ?text\n}"


@router.get("/index.json", summary="What the graph holds (the home page's JSON twin)")
def home_json(request: Request) -> JSONResponse:
    stats = core(request).stats()
    return JSONResponse({**stats.as_dict(), "sparql": "/sparql", "void": "/.well-known/void", "docs": "/docs"})


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request) -> HTMLResponse:
    stats = core(request).stats()
    items = "".join(f"<li>{html.escape(k)}: {v}</li>" for k, v in stats.classes.items() if v)
    return HTMLResponse(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>claimgraph</title>
<link rel="alternate" type="application/json" href="/index.json"></head>
<body>
<h1>claimgraph</h1>
<p>A knowledge graph of AI capability claims. SPARQL 1.1 endpoint: <a href="/sparql">/sparql</a>
(prefixes {html.escape(', '.join(PREFIXES))} predeclared); Graph Store: <a href="/store">/store</a>;
VoID: <a href="/.well-known/void">/.well-known/void</a>; API: <a href="/docs">/docs</a>.</p>
<ul>{items}</ul>
<form action="/sparql" method="get">
<textarea name="query" rows="6" cols="80">{html.escape(_EXAMPLE)}</textarea><br>
<button type="submit">Run query</button>
</form>
</body></html>""")
