"""Linked data: every IRI claimgraph mints (``https://w3id.org/claimgraph/id/…``) resolves at ``/id/…`` of a
served claimgraph, and the ontology at ``/ns`` — HTML for a browser, RDF by ``Accept``, and a JSON twin at the
same path with ``.json``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pyoxigraph import Literal, NamedNode, Quad, Triple, serialize

from claimgraph.interfaces.http import html as h
from claimgraph.interfaces.http import web
from claimgraph.interfaces.http.api import scores_next
from claimgraph.interfaces.http.deps import answers, core
from claimgraph.interfaces.http.problems import Problem
from claimgraph.model import iris
from claimgraph.namespaces import CG, DATA, DCTERMS, RDF, RDFS, SERIALIZATION_PREFIXES, compact
from claimgraph.resources import claim_context
from claimgraph.services import catalog, views
from claimgraph.services.negotiation import best_match
from claimgraph.services.protocol import DATASET_TYPES, GRAPH_TYPES, content_type_of

__all__ = ["router"]

router = APIRouter(tags=["Linked data"])

_OFFERS = ["text/html", "application/json", "text/turtle", "application/ld+json", "application/n-triples",
           "application/rdf+xml", "application/n-quads", "application/trig"]
_SUFFIXES = {".json": "application/json", ".ttl": "text/turtle", ".jsonld": "application/ld+json",
             ".nt": "application/n-triples", ".nq": "application/n-quads", ".trig": "application/trig",
             ".rdf": "application/rdf+xml", ".html": "text/html"}
_ENTITY_TYPES = {CG[k].value for k in ("Model", "Method", "Benchmark", "Metric", "Organization", "Event")}


def _choose(request: Request, path: str) -> tuple[str, str]:
    """(path without a format suffix, media type): a suffix wins over Accept."""
    for suffix, media in _SUFFIXES.items():
        if path.endswith(suffix):
            return path[: -len(suffix)], media
    media = best_match(request.headers.get("accept"), _OFFERS)
    if media is None:
        raise Problem(406, "resources are offered as " + ", ".join(_OFFERS))
    return path, media


def _rdf(quads: list[Quad], media: str) -> Response:
    if media in DATASET_TYPES:
        body = serialize(quads, format=DATASET_TYPES[media], prefixes=SERIALIZATION_PREFIXES
                         if media == "application/trig" else None)
    else:
        triples = list(dict.fromkeys(Triple(q.subject, q.predicate, q.object) for q in quads))
        body = serialize(triples, format=GRAPH_TYPES[media],
                         prefixes=SERIALIZATION_PREFIXES if media == "text/turtle" else None)
    return Response(body or b"", media_type=content_type_of(media), headers={"Vary": "Accept"})


def _twin(request: Request, iri: NamedNode, quads: list[Quad], limit: int, offset: int) -> dict[str, Any]:
    store, conflicts = core(request).store, core(request).conflicts
    types = {q.object.value for q in quads if q.predicate == RDF.type and isinstance(q.object, NamedNode)}
    if CG.Claim.value in types:
        detail = catalog.claim_detail(store, iri)
        if detail:
            return {"kind": "claim", **detail, "page": views.claim_view(store, conflicts, iri)}
    if types & _ENTITY_TYPES:
        detail = catalog.entity_detail(store, iri, limit, offset, scores_limit=catalog.SCORES_PAGE)
        if detail:
            return {"kind": "entity", **detail, "scoresNext": scores_next(request, detail, catalog.SCORES_PAGE),
                    "page": views.entity_view(store, iri, limit, offset, detail=detail, conflicts=conflicts)}
    return {
        "kind": "resource",
        "iri": iri.value,
        "path": catalog.local_path(iri.value),
        "statements": [{"subject": catalog.term_json(q.subject), "predicate": q.predicate.value,
                        "object": catalog.term_json(q.object), "graph": catalog.term_json(q.graph_name)
                        if isinstance(q.graph_name, NamedNode) else None} for q in quads],
    }


def _html(iri: NamedNode, quads: list[Quad], pointing: list[Quad], twin_path: str) -> str:
    label = next((q.object.value for q in quads if q.subject == iri and q.predicate in (RDFS.label, DCTERMS.title)
                  and isinstance(q.object, Literal)), None)
    own = [q for q in quads if q.subject == iri]
    rows = [[h.term_html(catalog.term_json(q.predicate)), h.term_html(catalog.term_json(q.object))] for q in own]
    body = f'<p class="muted"><code>{h.html.escape(iri.value)}</code></p>' + h.table(["property", "value"], rows)
    contents = [q for q in quads if q.graph_name == iri]
    if contents:
        body += "<h2>Graph contents</h2>" + h.table(["subject", "property", "value"], [
            [h.term_html(catalog.term_json(q.subject)), h.term_html(catalog.term_json(q.predicate)),
             h.term_html(catalog.term_json(q.object))] for q in contents])
    if pointing:
        body += "<h2>Pointing here</h2>" + h.table(["subject", "property"], [
            [h.term_html(catalog.term_json(q.subject)), h.term_html(catalog.term_json(q.predicate))]
            for q in pointing])
    return h.page(label or compact(iri.value), body, twin=twin_path)


def _resolve(request: Request, iri: NamedNode, media: str, twin_path: str, limit: int, offset: int) -> Response:
    store = core(request).store
    quads = catalog.describe(store, iri)
    if not quads:
        raise Problem(404, f"claimgraph holds nothing about <{iri.value}>")
    if media == "application/json":
        return JSONResponse(_twin(request, iri, quads, limit, offset))
    if media == "text/html":
        rich = _rich(request, iri, twin_path, limit, offset)
        return rich or HTMLResponse(_html(iri, quads, catalog.incoming(store, iri), twin_path))
    return _rdf(quads, media)


def _rich(request: Request, iri: NamedNode, twin_path: str, limit: int, offset: int) -> HTMLResponse | None:
    """The page of a claim, a model, method or benchmark (or another entity), or None for other resources."""
    graph = core(request)
    claim = views.claim_view(graph.store, graph.conflicts, iri)
    if claim is not None:
        position = claim["position"] if claim["position"] is not None else "?"  # see catalog.integer
        title = f"Claim {position}" + (f" of “{claim['dossier']['label']}”" if claim["dossier"] else "")
        return web.render(request, "claim.html", title, twin_path, view=claim)
    entity = views.entity_view(graph.store, iri, limit, offset, conflicts=graph.conflicts)
    if entity is not None:
        return web.render(request, "entity.html", entity["label"], twin_path, view=entity)
    dossier = views.dossier_view(graph.store, graph.conflicts, iri)
    if dossier is not None:
        return web.render(request, "dossier.html", dossier["title"], twin_path, view=dossier)
    return None


@router.get("/id/{path:path}", summary="Resolve a claimgraph IRI (HTML, JSON twin with .json, RDF by Accept)",
            responses=answers(*_OFFERS))
async def resource(request: Request, path: str,
                   limit: Annotated[int, Query(ge=1, le=catalog.MAX_PAGE,
                                               description="an entity's claims listed")] = views.PAGE_CLAIMS,
                   offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    bare, media = _choose(request, path)
    try:
        iri = NamedNode(DATA.iri + bare)
    except ValueError:
        raise Problem(400, f"not a valid IRI path: {bare!r}") from None
    return await run_in_threadpool(_resolve, request, iri, media, f"/id/{bare}.json", limit, offset)


@router.get("/context.jsonld", summary="The JSON-LD context of JSON claims (what POST /claims and check take)",
            responses={200: {"content": {"application/ld+json": {}}}})
async def context() -> Response:
    return JSONResponse({"@context": claim_context()}, media_type="application/ld+json",
                        headers={"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"})


@router.get("/ns", summary="The claimgraph ontology (HTML, JSON twin at /ns.json, RDF by Accept)",
            responses=answers(*_OFFERS))
@router.get("/ns{suffix}", include_in_schema=False)
async def ontology(request: Request, suffix: str = "") -> Response:
    if suffix and suffix not in _SUFFIXES:
        raise Problem(404, f"no such page: /ns{suffix}")
    _, media = _choose(request, "ns" + suffix)
    graph = core(request)

    def build() -> Response:
        quads = list(graph.store.quads(iris.ONTOLOGY_GRAPH)) or list(graph.vocabulary.ontology_quads)
        if media == "application/json":
            terms: dict[str, dict[str, Any]] = {}
            for q in quads:
                if q.subject.value.startswith(CG.iri):
                    terms.setdefault(q.subject.value, {}).setdefault(q.predicate.value, []).append(
                        catalog.term_json(q.object))
            return JSONResponse({"iri": iris.ONTOLOGY_GRAPH.value, "terms": terms})
        if media == "text/html":
            names = sorted({q.subject.value for q in quads if q.subject.value.startswith(CG.iri)})
            comments = {q.subject.value: q.object.value for q in quads if q.predicate.value.endswith("#comment")}
            rows = [[f'<code id="{h.html.escape(n[len(CG.iri):])}">{h.html.escape(compact(n))}</code>',
                     h.html.escape(comments.get(n, ""))] for n in names]
            return HTMLResponse(h.page("claimgraph ontology", h.table(["term", "meaning"], rows), twin="/ns.json"))
        return _rdf(quads, media)

    return await run_in_threadpool(build)
