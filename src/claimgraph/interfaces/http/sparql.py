"""The SPARQL 1.1 Protocol: queries at /sparql and /query, updates at /sparql and /update.

Queries run in the query executor's worker processes under the time limit and stream back; updates
run in the serving process, in one transaction each, and need the write token.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from pyoxigraph import serialize
from starlette.types import ASGIApp, Receive, Scope, Send

from claimgraph.errors import InputError, QueryError
from claimgraph.interfaces.http.deps import (answers, core, endpoint_url, executor, multi_params, parse_form, read_body,
                                             require_writer)
from claimgraph.interfaces.http.problems import Problem, response_for
from claimgraph.namespaces import PREFIXES
from claimgraph.services.describe import service_description
from claimgraph.services.engine import may_sort, try_update
from claimgraph.services.executor import ExecutorBusy, QueryRefused, QueryTimeout
from claimgraph.services.negotiation import best_match
from claimgraph.services.protocol import GRAPH_TYPES, RESULT_TYPES, Dataset, absolute_iri, apply_using, content_type_of
from claimgraph.store.oxigraph import OxigraphStore

__all__ = ["router", "DirectRoutes", "operation", "get_query", "dataset_of", "INTERNAL_SNAPSHOT"]

#: the header by which the store's process tells a front process which snapshot answered a query, of which
#: generation, in how many seconds (-1: streamed, not known yet): ``GENERATION SECONDS PATH``
INTERNAL_SNAPSHOT = "claimgraph-snapshot"

router = APIRouter(tags=["SPARQL 1.1 Protocol"])

_SD_TYPES = ["text/turtle", "application/rdf+xml", "application/n-triples", "application/ld+json", "text/html"]


def _media_and_charset(content_type: str) -> tuple[str, str | None]:
    media, _, rest = content_type.partition(";")
    charset = None
    for part in rest.split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise Problem(400, f"give exactly one '{name}' parameter, not {len(values)}")
    return values[0] if values else None


def get_query(params: dict[str, list[str]]) -> str | None:
    """The query a GET request's URL ``params`` ask (None: none, the service description is asked)."""
    if "update" in params:
        raise Problem(400, "an update must be sent by POST, never by GET")
    return _one(params, "query")


async def operation(request: Request, limit: int) -> tuple[str | None, str | None, dict[str, list[str]]]:
    """(query, update, parameters) of a protocol request, whose body may be ``limit`` bytes at most; at most
    one of query/update is set."""
    params = multi_params(request)
    if request.method in ("GET", "HEAD"):
        return get_query(params), None, params
    content_type = request.headers.get("content-type")
    if not content_type:
        raise Problem(415, "a POST needs a Content-Type: application/sparql-query, application/sparql-update "
                           "or application/x-www-form-urlencoded")
    media, charset = _media_and_charset(content_type)
    if charset not in (None, "utf-8", "utf8"):
        raise Problem(415, f"queries and updates must be UTF-8, not {charset}")
    if media in ("application/sparql-query", "application/sparql-update"):
        body = await read_body(request, limit)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Problem(400, "the body is not UTF-8") from None
        return (text, None, params) if media == "application/sparql-query" else (None, text, params)
    if media == "application/x-www-form-urlencoded":
        form = parse_form(await read_body(request, limit))
        for key, values in form.items():
            if key not in ("query", "update"):
                params.setdefault(key, []).extend(values)
        query, update = _one(form, "query"), _one(form, "update")
        if query is not None and update is not None:
            raise Problem(400, "give either 'query' or 'update', not both")
        if query is None and update is None:
            raise Problem(400, "the form has neither a 'query' nor an 'update' parameter")
        return query, update, params
    raise Problem(415, f"cannot read {media}; send application/sparql-query, application/sparql-update "
                       "or application/x-www-form-urlencoded")


def dataset_of(params: dict[str, list[str]]) -> Dataset:
    try:
        return Dataset(tuple(absolute_iri(g, "default-graph-uri") for g in params.get("default-graph-uri", [])),
                       tuple(absolute_iri(g, "named-graph-uri") for g in params.get("named-graph-uri", [])))
    except InputError as exc:
        raise Problem(400, str(exc)) from None


async def _answer_query(request: Request, query: str, params: dict[str, list[str]]) -> Response:
    settings = core(request).settings
    if len(query.encode("utf-8")) > settings.max_query_bytes:
        raise Problem(413, f"the query is larger than the limit of {settings.max_query_bytes} bytes")
    try:
        answer = await executor(request).run(query, accept=request.headers.get("accept"), dataset=dataset_of(params),
                                             prefixes=PREFIXES, base_iri=endpoint_url(request))
    except QueryRefused as exc:
        raise Problem(exc.status, str(exc)) from None
    except (QueryTimeout, ExecutorBusy) as exc:
        raise Problem(503, str(exc), title="Query stopped" if isinstance(exc, QueryTimeout) else None) from None
    headers = {"Vary": "Accept"}
    if answer.snapshot is not None and getattr(request.app.state, "internal", False):
        # for the front process that forwarded the query (see ``front``), which strips it
        headers[INTERNAL_SNAPSHOT] = f"{answer.generation} {answer.seconds:.6f} {answer.snapshot}"
    if answer.body is not None:
        return Response(answer.body, media_type=content_type_of(answer.media_type), headers=headers)
    return StreamingResponse(answer.chunks or iter(()), media_type=content_type_of(answer.media_type),
                             headers=headers)


async def _answer_update(request: Request, update: str, params: dict[str, list[str]]) -> Response:
    require_writer(request)
    graph = core(request)
    if len(update.encode("utf-8")) > graph.settings.max_body_bytes:
        raise Problem(413, f"the update is larger than the limit of {graph.settings.max_body_bytes} bytes")
    try:
        text = apply_using(update, tuple(params.get("using-graph-uri", [])),
                           tuple(params.get("using-named-graph-uri", [])))
    except InputError as exc:
        raise Problem(400, str(exc)) from None

    def run() -> None:
        with graph.store.write_lock:
            if may_sort(text) and isinstance(graph.store, OxigraphStore):
                # the engine may abort the process it sorts in, and this one holds the store: tried on a copy first
                try_update(graph.store, text, PREFIXES, endpoint_url(request))
            graph.conflicts.invalidate()  # recomputed when next read: an update may change anything
            graph.store.update(text, prefixes=PREFIXES, base_iri=endpoint_url(request))

    try:
        await run_in_threadpool(run)
    except QueryError as exc:
        raise Problem(400, str(exc)) from None
    return Response(status_code=204)


def _description(request: Request) -> Response:
    accept = request.headers.get("accept")
    media = best_match(accept, _SD_TYPES)
    if media == "text/html":
        return RedirectResponse("/", status_code=303)
    if media is None:
        raise Problem(406, "the service description is offered as " + ", ".join(_SD_TYPES[:-1]))
    graph = core(request)
    triples = service_description(endpoint_url(request), graph.stats(), writable=graph.settings.token is not None)
    body = serialize(triples, format=GRAPH_TYPES[media], prefixes={
        "sd": "http://www.w3.org/ns/sparql-service-description#", "void": "http://rdfs.org/ns/void#",
        "dcterms": "http://purl.org/dc/terms/", "formats": "http://www.w3.org/ns/formats/"}) or b""
    return Response(body, media_type=content_type_of(media), headers={"Vary": "Accept"})


async def _protocol(request: Request, *, queries: bool, updates: bool) -> Response:
    query, update, params = await operation(request, core(request).settings.max_body_bytes)
    if query is None and update is None:
        if request.method in ("GET", "HEAD") and queries:
            return await run_in_threadpool(_description, request)
        raise Problem(400, "no query given")
    if query is not None:
        if not queries:
            raise Problem(400, "this endpoint takes updates only; send queries to /query or /sparql")
        return await _answer_query(request, query, params)
    if not updates:
        raise Problem(400, "this endpoint takes queries only; send updates to /update or /sparql")
    return await _answer_update(request, update or "", params)


_SPARQL_DOC = ("Queries by GET (?query=), POST form (query=) or POST application/sparql-query; updates by POST "
               "form (update=) or POST application/sparql-update, with a bearer token. GET with no query gives "
               "the service description.")


_ANSWERS = answers(*RESULT_TYPES, *GRAPH_TYPES, "text/plain")


@router.get("/sparql", operation_id="sparql_get", summary="SPARQL 1.1 query (GET)", description=_SPARQL_DOC,
            responses=_ANSWERS)
@router.head("/sparql", operation_id="sparql_head", include_in_schema=False)
@router.post("/sparql", operation_id="sparql_post", summary="SPARQL 1.1 query or update (POST)", responses=_ANSWERS,
             description=_SPARQL_DOC)
async def sparql(request: Request) -> Response:
    return await _protocol(request, queries=True, updates=True)


@router.get("/query", operation_id="query_get", summary="SPARQL 1.1 query only (GET)", responses=_ANSWERS)
@router.head("/query", operation_id="query_head", include_in_schema=False)
@router.post("/query", operation_id="query_post", summary="SPARQL 1.1 query only (POST)", responses=_ANSWERS)
async def query_only(request: Request) -> Response:
    return await _protocol(request, queries=True, updates=False)


@router.post("/update", summary="SPARQL 1.1 update (bearer token)")
async def update_only(request: Request) -> Response:
    return await _protocol(request, queries=False, updates=True)


class DirectRoutes:
    """ASGI middleware that answers the protocol's routes itself, with the very handlers above, ahead of
    FastAPI's middleware, routing and dependency solving, which cost a small query more CPU than the query
    itself (``bench/endpoint.py`` measures what is left); the routes stay declared above, for OpenAPI.
    Errors are answered as the app's exception handlers answer them. Methods the routes do not take go on
    to FastAPI (405)."""

    _ROUTES = {"/sparql": (sparql, ("GET", "HEAD", "POST")), "/query": (query_only, ("GET", "HEAD", "POST")),
               "/update": (update_only, ("POST",))}

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self._ROUTES.get(scope["path"]) if scope["type"] == "http" else None
        if route is None or scope["method"] not in route[1]:
            await self.app(scope, receive, send)
            return
        try:
            response = await route[0](Request(scope, receive))
        except Exception as exc:  # noqa: BLE001 - answered as FastAPI's exception handlers would
            response = response_for(exc)
        await response(scope, receive, send)
