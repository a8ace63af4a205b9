"""The JSON API: claims (paged, filtered), one claim, entities, the claims that depend on a benchmark, and
POST of a dossier to ingest it. Documented by OpenAPI at /docs."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pyoxigraph import NamedNode

from claimgraph.errors import DossierSyntaxError, InputError, ManyErrors, UsageError, ValidationError
from claimgraph.extract import parse_dossier
from claimgraph.interfaces.http.deps import core, read_body, require_writer
from claimgraph.interfaces.http.problems import Problem
from claimgraph.namespaces import DATA
from claimgraph.resources import CONTEXT_IRI
from claimgraph.services import catalog
from claimgraph.services.imports import plan_json_claims

__all__ = ["router", "claims_router"]

router = APIRouter(prefix="/api", tags=["JSON API"])
#: ``POST /claims``, the same as ``POST /api/claims``, where agents expect it
claims_router = APIRouter(tags=["JSON API"])

ENTITY_KINDS = ("model", "method", "benchmark", "metric", "organization", "event")


def _iri(path: str) -> NamedNode:
    try:
        return NamedNode(DATA.iri + path)
    except ValueError:
        raise Problem(400, f"not a valid identifier: {path!r}") from None


def _page_links(request: Request, page: dict[str, Any]) -> dict[str, Any]:
    end = page["offset"] + len(page["items"])
    page["next"] = str(request.url.include_query_params(offset=end)) if end < page["total"] else None
    return page


@router.get("/claims", summary="Claims, paged, filtered by stance, dossier or entity")
def list_claims(
    request: Request,
    stance: Annotated[str | None, Query(description="only claims with this stance tag, e.g. caveat")] = None,
    dossier: Annotated[str | None, Query(description="only claims of this dossier (its IRI or slug)")] = None,
    entity: Annotated[str | None, Query(description="only claims that mention or depend on this entity "
                                                    "(its IRI, or kind/slug such as benchmark/aa-omniscience)")] = None,
    limit: Annotated[int, Query(ge=1, le=catalog.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> JSONResponse:
    def resolve(value: str | None, prefix: str) -> str | None:
        if value is None:
            return None
        return value if "://" in value else _iri(prefix + value.strip("/")).value

    flt = catalog.ClaimFilter(stance=stance, dossier=resolve(dossier, "dossier/"), entity=resolve(entity, ""))
    return JSONResponse(_page_links(request, catalog.claims_page(core(request).store, flt, limit, offset)))


@router.get("/claims/{dossier}/{position}", summary="One claim: its assertions and its provenance")
def get_claim(request: Request, dossier: str, position: int) -> JSONResponse:
    detail = catalog.claim_detail(core(request).store, _iri(f"dossier/{dossier}/claim/{position}"))
    if detail is None:
        raise Problem(404, f"no claim {position} in dossier {dossier!r}")
    return JSONResponse(detail)


def _claims_next(request: Request, detail: dict[str, Any]) -> str | None:
    end = detail["claimsOffset"] + len(detail["claims"])
    return str(request.url.include_query_params(offset=end)) if end < detail["claimsTotal"] else None


@router.get("/entities/{kind}/{slug}", summary="A model, method, benchmark, metric, organisation or event; "
                                               "its claims paged (claimsTotal, next)")
def get_entity(request: Request, kind: str, slug: str,
               limit: Annotated[int, Query(ge=1, le=catalog.MAX_PAGE, description="claims listed")] = 100,
               offset: Annotated[int, Query(ge=0)] = 0) -> JSONResponse:
    if kind not in ENTITY_KINDS:
        raise Problem(404, f"no entity kind {kind!r}; the kinds are {', '.join(ENTITY_KINDS)}")
    detail = catalog.entity_detail(core(request).store, _iri(f"{kind}/{slug}"), limit, offset,
                                   scores_limit=catalog.SCORES_PAGE)
    if detail is None:
        raise Problem(404, f"no {kind} {slug!r}")
    return JSONResponse({**detail, "next": _claims_next(request, detail),
                         "scoresNext": scores_next(request, detail, catalog.SCORES_PAGE)})


def scores_next(request: Request, detail: dict[str, Any], limit: int) -> str | None:
    """The URL of the page of an entity's scores after the one ``detail`` (``catalog.entity_detail``) holds."""
    end = detail["scoresOffset"] + limit
    kind, _, slug = (detail["path"] or "").removeprefix("/id/").partition("/")
    if end >= detail["scoresTotal"] or kind not in ENTITY_KINDS or not slug:
        return None
    return str(request.url_for("entity_scores", kind=kind, slug=slug).include_query_params(offset=end, limit=limit))


@router.get("/entities/{kind}/{slug}/scores", name="entity_scores",
            summary="The scores about a model or benchmark (or another entity), paged (total, next)")
def get_entity_scores(request: Request, kind: str, slug: str,
                      limit: Annotated[int, Query(ge=1, le=catalog.MAX_PAGE, description="scores listed")] = (
                          catalog.SCORES_PAGE),
                      offset: Annotated[int, Query(ge=0)] = 0) -> JSONResponse:
    if kind not in ENTITY_KINDS:
        raise Problem(404, f"no entity kind {kind!r}; the kinds are {', '.join(ENTITY_KINDS)}")
    store, entity = core(request).store, _iri(f"{kind}/{slug}")
    if not any(True for _ in store.match(entity, None, None)):
        raise Problem(404, f"no {kind} {slug!r}")
    total, rows = catalog.entity_scores(store, entity, limit, offset)
    path = catalog.local_path(entity.value)
    page = {"scoresTotal": total, "scoresOffset": offset, "path": path}
    return JSONResponse({"entity": {"iri": entity.value, "path": path}, "scores": rows, "total": total,
                         "offset": offset, "limit": limit, "next": scores_next(request, page, limit)})


def benchmark_claims(request: Request, benchmark: str,
                     limit: Annotated[int, Query(ge=1, le=catalog.MAX_PAGE, description="claims listed")] = 100,
                     offset: Annotated[int, Query(ge=0)] = 0) -> JSONResponse:
    """The claims that depend on (or mention) a benchmark, paged (``total``, ``next``)."""
    detail = catalog.entity_detail(core(request).store, _iri(f"benchmark/{benchmark}"), limit, offset)
    if detail is None:
        raise Problem(404, f"no benchmark {benchmark!r}")
    return JSONResponse({"benchmark": {k: detail[k] for k in ("iri", "path", "label")}, "claims": detail["claims"],
                         "total": detail["claimsTotal"], "offset": detail["claimsOffset"], "limit": limit,
                         "next": _claims_next(request, detail)})


router.add_api_route("/benchmarks/{benchmark}/claims", benchmark_claims, methods=["GET"],
                     summary="The claims that depend on (or mention) a benchmark, paged")


@router.post("/dossiers", status_code=201, summary="Ingest a dossier (Markdown body; bearer token)",
             responses={201: {"description": "added or revised"}, 200: {"description": "unchanged"},
                        400: {"description": "malformed (file and line in the problem)"}})
async def post_dossier(request: Request,
                       name: Annotated[str, Query(description="a file name for messages")] = "upload.md",
                       ) -> JSONResponse:
    require_writer(request)
    graph = core(request)
    body = await read_body(request, graph.settings.max_body_bytes)

    def ingest() -> JSONResponse:
        try:
            record = parse_dossier(body, source=name)
            (result,) = graph.ingest_records([record])
        except DossierSyntaxError as exc:
            raise Problem(400, str(exc), title="Malformed dossier") from None
        except (ValidationError, ManyErrors, InputError) as exc:
            raise Problem(400, str(exc)) from None
        payload = {"dossier": result.dossier, "path": catalog.local_path(result.dossier), "status": result.status,
                   "claims": result.claims, "quads": result.quads}
        return JSONResponse(payload, status_code=200 if result.status == "unchanged" else 201)

    return await run_in_threadpool(ingest)


_EXAMPLE = {"claims": [{"text": "Zephyr-7B-beta scores 7.34 on MT-Bench.", "stance": "evidence", "date": "2023-10-26",
                        "assertions": {"scores": [{"model": "Zephyr-7B-beta", "benchmark": "MT-Bench", "value": 7.34}]}}]}


@claims_router.post("/claims", status_code=201, include_in_schema=False)
@router.post("/claims", status_code=201, summary="Add claims given as JSON, with structured assertions (bearer token)",
             responses={201: {"description": "added"}, 200: {"description": "already held (the same claims)"},
                        400: {"description": "malformed (the field in the problem)"}},
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"type": "object", "example": _EXAMPLE}},
                 "application/ld+json": {"schema": {"type": "object", "example": {"@context": CONTEXT_IRI,
                                                                                  **_EXAMPLE}}}}}})
async def post_claims(request: Request,
                      source: Annotated[str, Query(description="where the claims come from (a URL or URI)")],
                      ) -> JSONResponse:
    require_writer(request)
    graph = core(request)
    body = await read_body(request, graph.settings.max_body_bytes)
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Problem(400, f"not valid JSON: {exc}") from None

    def add() -> JSONResponse:
        try:
            plan = plan_json_claims(data, source=source, when=date.today(), lexicon=graph.vocabulary.lexicon)
            (result,) = graph.ingest_records(plan.records)
        except (ValidationError, ManyErrors, InputError, UsageError) as exc:
            raise Problem(400, str(exc)) from None
        claims = [f"{result.dossier}/claim/{n}" for n in range(1, result.claims + 1)]
        payload = {"dossier": result.dossier, "path": catalog.local_path(result.dossier), "status": result.status,
                   "claims": claims}
        return JSONResponse(payload, status_code=200 if result.status == "unchanged" else 201)

    return await run_in_threadpool(add)
