"""Self-description beside the endpoint: VoID at /.well-known/void, and /health."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pyoxigraph import serialize

from claimgraph.interfaces.http.deps import answers, core
from claimgraph.interfaces.http.problems import Problem
from claimgraph.services.describe import void_description
from claimgraph.services.negotiation import best_match
from claimgraph.services.protocol import GRAPH_TYPES, content_type_of

__all__ = ["router"]

router = APIRouter(tags=["Self-description"])

_OFFERS = ["text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"]


@router.get("/.well-known/void", summary="VoID description of the dataset", responses=answers(*_OFFERS))
async def void(request: Request) -> Response:
    media = best_match(request.headers.get("accept"), _OFFERS)
    if media is None:
        raise Problem(406, "the VoID description is offered as " + ", ".join(_OFFERS))
    stats = await run_in_threadpool(core(request).stats)
    base = str(request.base_url)
    body = serialize(void_description(base, stats), format=GRAPH_TYPES[media], prefixes={
        "void": "http://rdfs.org/ns/void#", "dcterms": "http://purl.org/dc/terms/",
        "cg": "https://w3id.org/claimgraph/ns#"}) or b""
    return Response(body, media_type=content_type_of(media), headers={"Vary": "Accept"})


@router.get("/health", summary="Liveness: the server answers and its store is open; whether its start-up work is done")
def health(request: Request) -> JSONResponse:
    """``warm``: whether the work a server does as it starts, in the background, is done (the conflicts current,
    their facts in memory, the home page built): until then it answers, and a conflict check reads more."""
    graph = core(request)
    return JSONResponse({"status": "ok", "store": graph.store.location, "generation": graph.store.generation,
                         "warm": request.app.state.warm.is_set()})
