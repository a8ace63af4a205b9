"""What handlers share: the core object, the query executor, the write check, bounded body reading."""

from __future__ import annotations

import codecs
import functools
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, parse_qsl, unquote_to_bytes

from fastapi import Request
from starlette.datastructures import URL

from claimgraph.interfaces.core import Claimgraph
from claimgraph.interfaces.http.problems import Problem
from claimgraph.services.executor import QueryExecutor, RemoteQueryExecutor

__all__ = ["core", "executor", "require_writer", "read_body", "multi_params", "scope_params", "parse_form",
           "endpoint_url", "scope_endpoint_url", "answers"]


def core(request: Request) -> Claimgraph:
    return request.app.state.graph  # type: ignore[no-any-return]


def executor(request: Request) -> QueryExecutor | RemoteQueryExecutor:
    return request.app.state.executor  # type: ignore[no-any-return]


def require_writer(request: Request) -> None:
    """Writes need ``Authorization: Bearer <token>``. No credentials: 401; anything else wrong: 403,
    with the same words whatever was wrong. The comparison takes the same time however much matches.
    Every write attempt first takes a token from the address's rate limit (429 past it)."""
    limiter = getattr(request.app.state, "write_limiter", None)
    if limiter is not None:
        wait = limiter.take(request.client.host if request.client else "unknown")
        if wait is not None:
            raise Problem(429, f"too many writes from this address; try again in {wait:.1f} s",
                          headers={"Retry-After": limiter.retry_after(wait)})
    token = core(request).settings.token
    header = request.headers.get("authorization")
    if not header:
        raise Problem(401, "writing needs a bearer token (Authorization: Bearer …)",
                      headers={"WWW-Authenticate": 'Bearer realm="claimgraph"'})
    scheme, _, value = header.partition(" ")
    supplied = value.strip().encode("utf-8") if scheme.lower() == "bearer" else b""
    expected = token.encode("utf-8") if token else b""
    # compare even when no token is configured, so that timing tells nothing
    valid = hmac.compare_digest(supplied, expected) and bool(token)
    if not valid:
        raise Problem(403, "these credentials do not allow writing")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Problem(413, f"the request body is larger than the limit of {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Problem(413, f"the request body is larger than the limit of {limit} bytes")
    return bytes(body)


def multi_params(request: Request) -> dict[str, list[str]]:
    return scope_params(request.scope)


def scope_params(scope: Mapping[str, Any]) -> dict[str, list[str]]:
    """The URL parameters of an ASGI request's scope, each with its values, read as Starlette reads them
    (``Request.query_params``) without making a Request."""
    out: dict[str, list[str]] = {}
    for key, value in query_pairs(scope["query_string"]):
        out.setdefault(key, []).append(value)
    return out


def query_pairs(query_string: bytes) -> list[tuple[str, str]]:
    """``parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)``, the same pairs, with the
    percent-escapes of an ASCII query string decoded in C (``codecs.escape_decode``): ``parse_qsl`` decodes them
    a byte at a time in Python, ~0.15 µs each, and a SPARQL query in a URL has dozens."""
    if not query_string.isascii() or b"\\" in query_string:
        return parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    pairs = []
    for part in query_string.split(b"&"):
        if not part:
            continue
        name, _, value = part.partition(b"=")
        pairs.append((_unquote(name), _unquote(value)))
    return pairs


def _unquote(raw: bytes) -> str:
    raw = raw.replace(b"+", b" ")
    if b"%" not in raw:
        return raw.decode("ascii")
    try:  # each %XX becomes \xXX, which escape_decode reads; anything else in it fails, and is read as parse_qsl does
        decoded = codecs.escape_decode(raw.replace(b"%", b"\\x"))[0]  # type: ignore[attr-defined]
    except ValueError:
        decoded = unquote_to_bytes(raw)
    return decoded.decode("utf-8", "replace")


def parse_form(body: bytes) -> dict[str, list[str]]:
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise Problem(400, "the form body is not UTF-8") from None


def endpoint_url(request: Request) -> str:
    """The request's URL without its query: the base IRI of queries and updates sent there."""
    return scope_endpoint_url(request.scope)


def scope_endpoint_url(scope: Mapping[str, Any]) -> str:
    """``endpoint_url`` of an ASGI request's scope."""
    host = next((value for name, value in scope["headers"] if name == b"host"), None)
    server = scope.get("server")
    return url_of(scope.get("scheme", "http"), host, tuple(server) if server else None, scope.get("root_path", ""),
                  scope["path"])


@functools.lru_cache(maxsize=256)  # a server sees few: building one cost a small query ~5 µs
def url_of(scheme: str, host: bytes | None, server: tuple[str, int] | None, root_path: str, path: str) -> str:
    """The URL of a request without its query, from its scope's parts: its first Host header, if any."""
    return str(URL(scope={"type": "http", "scheme": scheme, "server": server, "root_path": root_path, "path": path,
                          "query_string": b"", "headers": [(b"host", host)] if host is not None else []}))


def answers(*media: str) -> dict[int | str, dict[str, object]]:
    """The OpenAPI ``responses`` of an operation whose 200 comes in any of ``media`` (content negotiation)."""
    return {200: {"description": "the answer, in the media type the Accept header asks for",
                  "content": {m: {} for m in dict.fromkeys(media)}}}
