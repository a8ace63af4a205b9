"""Errors as RFC 9457 problem documents (``application/problem+json``)."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from claimgraph.errors import ClaimgraphError

__all__ = ["Problem", "problem_response", "response_for", "unexpected_response"]

_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           406: "Not Acceptable", 413: "Content Too Large", 415: "Unsupported Media Type", 422: "Unprocessable Content", 429: "Too Many Requests",
           500: "Internal Server Error", 503: "Service Unavailable"}


class Problem(Exception):
    """Raised by a handler to answer with a problem document."""

    def __init__(self, status: int, detail: str, *, title: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or _TITLES.get(status, "Error")
        self.headers = headers or {}


def problem_response(status: int, detail: str, *, title: str | None = None,
                     headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"type": "about:blank", "title": title or _TITLES.get(status, "Error"), "status": status,
                         "detail": detail}, status_code=status, media_type="application/problem+json",
                        headers=headers)


def response_for(exc: Exception) -> JSONResponse:
    """The problem document that answers a request whose handler raised ``exc``."""
    if isinstance(exc, Problem):
        return problem_response(exc.status, exc.detail, title=exc.title, headers=exc.headers)
    if isinstance(exc, ClaimgraphError):
        return problem_response(503 if exc.exit_code == 3 else 400, str(exc))
    if isinstance(exc, HTTPException):
        return problem_response(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))
    logging.getLogger("claimgraph.http").error("unexpected error answering a request", exc_info=exc)
    return unexpected_response(exc)


def unexpected_response(exc: Exception) -> JSONResponse:
    """The last line of defence: a problem document, never a traceback; the server log keeps the details."""
    return problem_response(500, f"an unexpected error ({type(exc).__name__}); the server log has the details")
