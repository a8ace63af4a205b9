"""The SPARQL 1.1 Graph Store HTTP Protocol at /store: ?graph=IRI and ?default (indirect identification),
/store/… (direct identification: the request URL names the graph), and /store alone for the whole
dataset (GET as N-Quads or TriG) or for a new graph (POST)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse
from pyoxigraph import DefaultGraph, NamedNode, serialize

from claimgraph.errors import InputError, UnsupportedMediaType
from claimgraph.interfaces.http.deps import answers, core, endpoint_url, multi_params, read_body, require_writer
from claimgraph.interfaces.http.problems import Problem
from claimgraph.services import graph_store
from claimgraph.services.negotiation import best_match
from claimgraph.services.streaming import stream_dump
from claimgraph.services.protocol import DATASET_TYPES, GRAPH_TYPES, absolute_iri, content_type_of
from claimgraph.store.base import GraphName

__all__ = ["router"]

router = APIRouter(tags=["Graph Store HTTP Protocol"])

# A graph without Accept comes back as Turtle (GSP §5: RDF/XML, Turtle or N-Triples).
_GRAPH_OFFERS = ["text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"]
_DATASET_OFFERS = list(DATASET_TYPES)


def _target(request: Request, path: str | None) -> GraphName | None:
    """The graph a request names, or None for the store itself."""
    params = multi_params(request)
    graphs, default = params.get("graph", []), "default" in params
    if path:
        if graphs or default:
            raise Problem(400, "name the graph by the URL or by ?graph= / ?default, not both")
        try:
            return NamedNode(endpoint_url(request))
        except ValueError as exc:
            raise Problem(400, f"the request URL is not a valid graph IRI: {exc}") from None
    if len(graphs) > 1 or (graphs and default):
        raise Problem(400, "give one ?graph= or ?default")
    if default:
        return DefaultGraph()
    if graphs:
        try:
            return NamedNode(absolute_iri(graphs[0], "?graph="))
        except (InputError, ValueError) as exc:
            raise Problem(400, str(exc)) from None
    return None


def _get(request: Request, target: GraphName | None, head: bool) -> Response:
    store = core(request).store
    accept = request.headers.get("accept")
    if target is None:
        media = best_match(accept, _DATASET_OFFERS)
        if media is None:
            raise Problem(406, "the whole store is offered as " + ", ".join(_DATASET_OFFERS))
        if head:
            return Response(media_type=content_type_of(media))
        return StreamingResponse(stream_dump(store, DATASET_TYPES[media]), media_type=content_type_of(media))
    if not store.has_graph(target):
        raise Problem(404, f"no graph {target}")
    media = best_match(accept, _GRAPH_OFFERS)
    if media is None:
        raise Problem(406, "a graph is offered as " + ", ".join(_GRAPH_OFFERS))
    if head:
        return Response(media_type=content_type_of(media))
    body = serialize(graph_store.graph_triples(store, target), format=GRAPH_TYPES[media]) or b""
    return Response(body, media_type=content_type_of(media), headers={"Vary": "Accept"})


async def _write(request: Request, target: GraphName | None, method: str) -> Response:
    require_writer(request)
    graph = core(request)
    body = await read_body(request, graph.settings.max_body_bytes)
    location = None
    if target is None:
        if method != "POST":
            raise Problem(400, "name the graph with ?graph=IRI or ?default")
        location = endpoint_url(request).rstrip("/") + "/" + uuid.uuid4().hex
        target = NamedNode(location)
    base = target.value if isinstance(target, NamedNode) else endpoint_url(request)
    try:
        quads = graph_store.parse_payload(body, request.headers.get("content-type"), target, base)
    except UnsupportedMediaType as exc:
        raise Problem(415, str(exc)) from None
    except InputError as exc:
        raise Problem(400, str(exc)) from None
    operation = graph_store.put_graph if method == "PUT" else graph_store.post_graph
    await run_in_threadpool(graph.invalidate_conflicts)
    created = await run_in_threadpool(operation, graph.store, target, quads)
    if location is not None:
        return Response(status_code=201, headers={"Location": location})
    return Response(status_code=201 if created else 204)


async def _delete(request: Request, target: GraphName | None) -> Response:
    require_writer(request)
    if target is None:
        raise Problem(400, "name the graph with ?graph=IRI or ?default")
    await run_in_threadpool(core(request).invalidate_conflicts)
    existed = await run_in_threadpool(graph_store.delete_graph, core(request).store, target)
    if not existed:
        raise Problem(404, f"no graph {target}")
    return Response(status_code=204)


async def _handle(request: Request, path: str | None) -> Response:
    target = _target(request, path)
    if request.method in ("GET", "HEAD"):
        return await run_in_threadpool(_get, request, target, request.method == "HEAD")
    if request.method in ("PUT", "POST"):
        return await _write(request, target, request.method)
    return await _delete(request, target)


_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]
_STORE_DOC = ("GET/HEAD read a graph (or, with no parameter, the whole store as N-Quads or TriG); PUT replaces, "
              "POST merges (POST with no parameter creates a graph and answers with its Location), DELETE drops. "
              "Writes need the bearer token.")


async def store(request: Request) -> Response:
    return await _handle(request, None)


async def store_direct(request: Request, path: str) -> Response:
    return await _handle(request, path or None)


for _method in _METHODS:
    _responses = answers(*GRAPH_TYPES, *DATASET_TYPES) if _method == "GET" else None
    router.add_api_route("/store", store, methods=[_method], operation_id=f"store_{_method.lower()}", responses=_responses,
                         summary=f"Graph Store {_method}: ?graph=IRI, ?default, or the whole store",
                         description=_STORE_DOC, include_in_schema=_method != "HEAD")
    router.add_api_route("/store/{path:path}", store_direct, methods=[_method], responses=_responses,
                         operation_id=f"store_direct_{_method.lower()}",
                         summary=f"Graph Store {_method}: the graph named by the request URL",
                         include_in_schema=_method != "HEAD")
