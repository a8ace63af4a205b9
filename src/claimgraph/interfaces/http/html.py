"""Small, escaped HTML for the pages (the web issue replaces these with templates)."""

from __future__ import annotations

import html
from typing import Any

from claimgraph.namespaces import compact
from claimgraph.services.catalog import local_path

__all__ = ["page", "term_html", "table"]

_STYLE = """body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;
vertical-align:top}code{font-size:.9em}.muted{color:#666}"""


def page(title: str, body: str, *, twin: str | None = None) -> str:
    alternate = f'<link rel="alternate" type="application/json" href="{html.escape(twin)}">' if twin else ""
    json_link = f'<p class="muted">JSON: <a href="{html.escape(twin)}">{html.escape(twin)}</a></p>' if twin else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} · claimgraph'
            f'</title>{alternate}<style>{_STYLE}</style></head><body><p><a href="/">claimgraph</a></p>'
            f'<h1>{html.escape(title)}</h1>{body}{json_link}</body></html>')


def term_html(term: dict[str, Any] | None) -> str:
    """A term in the JSON shape of :func:`claimgraph.services.catalog.term_json`, as HTML."""
    if term is None:
        return ""
    if term["type"] == "uri":
        path = term.get("path") or local_path(term["value"])
        text = html.escape(compact(term["value"]))
        return f'<a href="{html.escape(path or term["value"])}">{text}</a>'
    if term["type"] == "bnode":
        return f"<code>_:{html.escape(term['value'])}</code>"
    return html.escape(term["value"])


def table(header: list[str], rows: list[list[str]]) -> str:
    """A table of already-escaped cells."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
