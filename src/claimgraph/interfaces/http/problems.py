"""Errors as RFC 9457 problem documents (``application/problem+json``)."""

from __future__ import annotations

from starlette.responses import JSONResponse

__all__ = ["Problem", "problem_response"]

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
