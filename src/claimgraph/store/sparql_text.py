"""SPARQL as text: what form a query is, and substitutions written into it.

pyoxigraph binds ``substitutions`` itself (SEP-0007: the variable is replaced by the value everywhere, and still
appears in the results with it), but plans the query as if the variable were free: a query whose best order
starts from the bound value could take a second where its text with the value written in takes a millisecond.
So the embedded store, like a remote store (which takes only the query's text), has :func:`substitute` write the
same thing into the text: every occurrence of the variable becomes the term, in N-Triples form (pyoxigraph
writes it, so no value can break out of its place), and in the query's projection ``?v`` becomes
``(term AS ?v)`` so the variable is still bound in every solution (a subquery's projection leaves it out).
Comments, strings and IRIs are read as tokens, never rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

__all__ = ["query_form", "substitute", "term_text", "expand_escaped_names"]

_TOKENS = re.compile(r'''
  (?P<comment>\#[^\n]*)
| (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|'\'\'(?:[^'\\]|\\.|'(?!''))*'\'\'|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
| (?P<iri><[^<>"{}|^`\\\s]*>)
| (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
| (?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[^\s{}()\[\];,]*)?)
| (?P<punct>[(){}])
| (?P<other>\s+|.)
''', re.VERBOSE | re.DOTALL)

_FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "construct", "DESCRIBE": "describe"}
_CLAUSE_END = {"LIMIT", "OFFSET", "HAVING", "VALUES"}


@lru_cache(maxsize=512)
def _tokens(sparql: str) -> tuple[tuple[str, str], ...]:
    """The query's tokens; kept for the texts seen last, which are the service's own queries bound again and
    again with other values (tokenising one took ~90 µs)."""
    return tuple((m.lastgroup or "other", m.group()) for m in _TOKENS.finditer(sparql))


def query_form(sparql: str) -> str | None:
    """'select', 'ask', 'construct' or 'describe' (the first query keyword outside prologue, comments and
    strings), or None for text that is no query (an update, say)."""
    for kind, text in _tokens(sparql):
        if kind == "word":
            upper = text.upper()
            if upper in _FORMS:
                return _FORMS[upper]
            if upper not in ("PREFIX", "BASE") and ":" not in text:
                return None
    return None


def term_text(term: object) -> str:
    """A pyoxigraph term in SPARQL (N-Triples) syntax; blank nodes have no such form in a query."""
    from pyoxigraph import BlankNode

    if isinstance(term, BlankNode):
        raise ValueError("a blank node cannot be bound in a query sent as text")
    return str(term)


def substitute(sparql: str, values: Mapping[str, object]) -> str:
    """``sparql`` with each variable named in ``values`` (without its ``?``) bound to the term given."""
    if not values:
        return sparql
    texts = {name: term_text(term) for name, term in values.items()}
    out: list[str] = []
    projecting = False  # inside a SELECT clause, before its WHERE / FROM / '{'
    depth = 0  # parentheses inside the projection
    ordering = 0  # inside GROUP BY / ORDER BY: bare terms are not allowed there, bracketed ones are
    previous = ""  # the last significant token, upper-cased
    braces = 0  # the depth of '{': a SELECT inside braces is a subquery
    for kind, text in _tokens(sparql):
        upper = text.upper() if kind in ("word", "punct") else text
        if kind == "var" and text[1:] in texts and previous != "AS":
            value = texts[text[1:]]
            if projecting and depth == 0:
                # the outer query binds it; a subquery's projection leaves it out (it is a constant there,
                # and projecting it twice would bind one variable twice)
                text = f"({value} AS {text})" if braces == 0 else ""
            elif ordering:
                text = f"({value})"
            else:
                text = value
        elif kind == "word":
            if upper == "SELECT":
                projecting, depth = True, 0
            elif upper in ("WHERE", "FROM") and projecting and depth == 0:
                projecting = False
            elif upper == "BY" and previous in ("GROUP", "ORDER"):
                ordering = 1
            elif upper in _CLAUSE_END:
                ordering = 0
        elif kind == "punct":
            if text == "(" and projecting:
                depth += 1
            elif text == ")" and projecting:
                depth -= 1
            elif text in "{}":
                if projecting and depth == 0:
                    projecting = False
                braces += 1 if text == "{" else -1
                ordering = 0
        out.append(text)
        if kind not in ("comment", "other"):
            previous = upper
    return "".join(out)


def expand_escaped_names(sparql: str, prefixes: Mapping[str, str] | None = None) -> str:
    """``sparql`` with each prefixed name that uses a backslash escape (``cgid:graph\\/conflicts``, SPARQL's
    PN_LOCAL_ESC) written as the full IRI: Virtuoso's parser refuses the escapes."""
    if "\\" not in sparql:
        return sparql
    known = dict(prefixes or {})
    tokens = _tokens(sparql)
    for n, (kind, text) in enumerate(tokens):  # the query's own PREFIX declarations win
        if kind == "word" and text.upper() == "PREFIX":
            rest = [t for t in tokens[n + 1:n + 6] if t[0] != "other"][:2]
            if len(rest) == 2 and rest[0][1].endswith(":") and rest[1][0] == "iri":
                known[rest[0][1][:-1]] = rest[1][1][1:-1]
    out = []
    for kind, text in tokens:
        if kind == "word" and "\\" in text and ":" in text:
            prefix, _, local = text.partition(":")
            if prefix in known:
                text = "<" + known[prefix] + re.sub(r"\\(.)", r"\1", local) + ">"
        out.append(text)
    return "".join(out)
