"""Conflicts over HTTP: ``GET /conflicts`` lists what the graph holds; ``POST /conflicts/check`` answers what a
proposed claim would conflict with, and writes nothing."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from claimgraph.errors import DossierSyntaxError, InputError, UsageError
from claimgraph.interfaces.http import web
from claimgraph.interfaces.http.deps import core, read_body
from claimgraph.interfaces.http.problems import Problem
from claimgraph.services import catalog
from claimgraph.services.conflicts import SEVERITIES, TYPES, ConflictFilter, conflicts_json
from claimgraph.services.negotiation import best_match

__all__ = ["router"]

router = APIRouter(tags=["Conflicts"])

#: The conflict types and severities, for request validation and the OpenAPI schema (one list: the services')
ConflictType = Literal[TYPES]  # type: ignore[valid-type]
Severity = Literal[SEVERITIES]  # type: ignore[valid-type]


class ConflictOut(BaseModel):
    id: str = Field(description="the conflict's IRI")
    type: ConflictType
    severity: Severity
    claims: list[str] = Field(description="IRIs of the claims involved")
    explanation: str = Field(description="why, in one sentence")
    evidence: list[dict[str, Any]] = Field(
        description="the statements it rests on: statement, kind (score, comparison, proposition, trend, "
                    "dependence), claim, date, dossier, and the statement's values with their labels")
    scope: str


class ConflictList(BaseModel):
    total: int
    offset: int
    limit: int
    next: str | None
    items: list[ConflictOut]


_CHECK_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object", "example": {
                "text": "Grok 4.20 Multi-Agent Beta ranks 1st on the Intelligence Index at 48"}}},
            "text/markdown": {"schema": {"type": "string", "example":
                                         "### [evidence] Grok 4.20 Multi-Agent Beta ranks 3rd on the "
                                         "Intelligence Index at 48"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


@router.get("/conflicts", response_model=ConflictList, summary="The conflicts between claims the graph holds "
            "(JSON; a browser asking for HTML gets the page)",
            responses={400: {"description": "an unknown entity or a bad filter"},
                       200: {"content": {"application/json": {}, "text/html": {}}}})
@router.get("/conflicts.json", response_model=ConflictList, include_in_schema=False)
def list_conflicts(
    request: Request,
    type: Annotated[ConflictType | None, Query(description="only conflicts of this type")] = None,
    severity: Annotated[Severity | None, Query(description="only conflicts of this severity")] = None,
    claim: Annotated[str | None, Query(description="only conflicts involving this claim (its IRI)")] = None,
    entity: Annotated[str | None, Query(description="only conflicts whose claims mention or depend on this entity "
                                                    "(its IRI or label)")] = None,
    limit: Annotated[int, Query(ge=1, le=catalog.MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> JSONResponse:
    graph = core(request)
    try:
        iri = graph.resolve_entity(entity) if entity else None
        found, _ = graph.list_conflicts(ConflictFilter(type, severity, claim, iri))
    except UsageError as exc:
        raise Problem(400, str(exc)) from None
    page = found[offset:offset + limit]
    facts = graph.conflicts.evidence_facts(page)
    end = offset + len(page)
    payload = {"total": len(found), "offset": offset, "limit": limit,
               "next": str(request.url.include_query_params(offset=end)) if end < len(found) else None,
               "items": conflicts_json(page, facts)}
    if not request.url.path.endswith(".json") and \
            best_match(request.headers.get("accept"), ["application/json", "text/html"]) == "text/html":
        params = {"type": type, "severity": severity, "entity": entity}
        return web.conflicts_page(request, payload, params, list(TYPES))  # type: ignore[return-value]
    return JSONResponse(payload)


@router.post("/conflicts/check", response_model=list[ConflictOut], openapi_extra=_CHECK_BODY,
             summary="Dry run: the conflicts a proposed claim would create (writes nothing)",
             responses={400: {"description": "a malformed proposal (line, or JSON field, in the problem)"},
                        415: {"description": "not JSON, Markdown or plain text"}})
async def check_claim(
    request: Request,
    on: Annotated[date | None, Query(alias="date", description="the date proposed claims carry if they give none "
                                                                 "(default: today)")] = None,
) -> JSONResponse:
    graph = core(request)
    body = await read_body(request, graph.settings.max_body_bytes)
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Problem(400, "the proposal is not UTF-8 text") from None
    proposal: Any
    if media in ("application/json", "application/ld+json") or media.endswith("+json"):
        try:
            proposal = json.loads(text)
        except json.JSONDecodeError as exc:
            raise Problem(400, f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
    elif media in ("text/markdown", "text/plain", "text/x-markdown"):
        proposal = text
    else:
        raise Problem(415, f"send the proposal as application/json, text/markdown or text/plain, not {media}")

    def run() -> JSONResponse:
        try:
            found, facts = graph.check(proposal, today=on)
        except DossierSyntaxError as exc:
            raise Problem(400, str(exc), title="Malformed proposal") from None
        except InputError as exc:
            raise Problem(400, str(exc)) from None
        return JSONResponse(conflicts_json(found, facts))

    return await run_in_threadpool(run)
