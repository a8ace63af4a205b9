"""The HTTP app: ``create_app`` builds it around one :class:`Claimgraph`.

Routers: the SPARQL 1.1 Protocol (``sparql``), the Graph Store Protocol (``graph_store``),
self-description (``describe``) and the pages (``web``, templates and static files). The lifespan starts the query executor
(worker processes over store snapshots) and stops it; errors are RFC 9457 problem documents.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from claimgraph import __version__
from claimgraph.config import Settings
from claimgraph.errors import ClaimgraphError
from claimgraph.interfaces.core import Claimgraph, in_background
from claimgraph.interfaces.http import api, conflicts, describe, graph_store, linked_data, sparql, web
from claimgraph.interfaces.http.front import Fronts
from claimgraph.interfaces.http.problems import Problem, problem_response, response_for, unexpected_response
from claimgraph.interfaces.http.ratelimit import WriteLimiter
from claimgraph.services.executor import executor_for

__all__ = ["create_app"]


#: FastAPI's own OpenTelemetry (newer releases) asks on every request whether a provider is configured;
#: claimgraph configures none, and the asking cost a small query ~8 µs
_NO_TELEMETRY = ({"telemetry": {"tracing": False, "metrics": False, "logs": False}}
                 if "telemetry" in inspect.signature(FastAPI.__init__).parameters else {})


class _HeadAsGet:
    """HEAD wherever GET is answered (RFC 9110, 9.3.2): a HEAD request that no route takes (FastAPI adds no
    HEAD to its GET routes) is asked again as a GET, whose headers are sent and whose body is not. Routes
    that answer HEAD themselves (the Graph Store Protocol's) keep doing so."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        refused = False

        async def unless_refused(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start" and message["status"] == 405:
                refused = True
            if not refused:
                await send(message)

        await self.app(scope, receive, unless_refused)
        if not refused:
            return

        async def no_body() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.start":
                await send(message)
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b""})

        await self.app({**scope, "method": "GET"}, no_body, headers_only)


class _App(FastAPI):
    """FastAPI, with the SPARQL protocol's routes answered outside its middleware stack (``DirectRoutes``:
    the same handlers, without the routing, dependency solving and exception middleware, which cost the
    serving process ~80 µs of CPU a small query under load), and CORS, when configured, outside both, so that
    it covers every answer."""

    cors: dict[str, list[str]] | None = None

    def build_middleware_stack(self) -> ASGIApp:
        app: ASGIApp = _HeadAsGet(sparql.DirectRoutes(super().build_middleware_stack()))
        if self.cors:
            app = CORSMiddleware(app, **self.cors)  # type: ignore[arg-type]
        return app


def create_app(graph: Claimgraph | Settings, fronts: Fronts | None = None) -> FastAPI:
    """The app around ``graph``. Given Settings, the app opens the store at start-up and closes it at
    shutdown; given a Claimgraph, the caller keeps it and closes it. Given ``fronts``, the app is the store
    process behind front processes (see :mod:`~claimgraph.interfaces.http.front`): it publishes the store's
    generation to them, starts them once it is ready and stops them first at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        core = Claimgraph(graph) if isinstance(graph, Settings) else graph
        settings = core.settings
        app.state.graph = core
        app.state.executor = executor_for(core.store, workers=settings.query_workers,
                                          time_limit=settings.query_timeout,
                                          max_result_bytes=settings.max_result_bytes)
        await app.state.executor.start()
        app.state.internal = fronts is not None
        if fronts is not None:
            fronts.start(app.state.executor.publish())
        # conflicts current and their facts in memory, so that the first checks are as fast as the rest
        app.state.warm = in_background(lambda: web.warm(core), "claimgraph-warm")
        app.state.write_limiter = WriteLimiter(settings.write_rate, settings.write_burst)
        try:
            yield
        finally:
            if fronts is not None:
                fronts.stop()
            await app.state.executor.close()
            if isinstance(graph, Settings):
                core.close()

    settings = graph if isinstance(graph, Settings) else graph.settings
    app = _App(title="claimgraph", version=__version__, lifespan=lifespan, **_NO_TELEMETRY,
                  description="A knowledge graph of AI capability claims: a SPARQL 1.1 endpoint (query, update), "
                              "the Graph Store HTTP Protocol, self-description, and pages. Reads are open; "
                              "writes need `Authorization: Bearer <CLAIMGRAPH_TOKEN>`. Errors are "
                              "application/problem+json (RFC 9457).")
    if settings.cors_origins:
        app.cors = {"allow_origins": list(settings.cors_origins), "allow_methods": ["GET", "POST", "HEAD"],
                    "allow_headers": ["Accept", "Content-Type", "Authorization"]}
    app.include_router(sparql.router)
    app.include_router(graph_store.router)
    app.include_router(describe.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=str(web.STATIC)), name="static")
    app.include_router(linked_data.router)
    app.include_router(api.router)
    app.include_router(api.claims_router)
    app.include_router(conflicts.router)

    app.add_api_route("/benchmarks/{benchmark}/claims", api.benchmark_claims, methods=["GET"], tags=["JSON API"],
                      summary="Same as /api/benchmarks/{benchmark}/claims")

    @app.exception_handler(Problem)
    @app.exception_handler(ClaimgraphError)
    @app.exception_handler(StarletteHTTPException)
    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        return response_for(exc)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        return unexpected_response(exc)  # ServerErrorMiddleware raises it on afterwards: the log has it

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return problem_response(400, detail or "invalid request")

    return app
