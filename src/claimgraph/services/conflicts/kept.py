"""The facts of the conflict detectors, kept in the store's folder between two runs of a server
(:mod:`claimgraph.store.kept`), so that the next start reads them in seconds instead of reading every statement of
the store again (minutes at 1M claims: see :mod:`.scan`).

They are written as JSON values: each text once, in a table, and named by its place in it; each fact a list of its
fields. What is read back is checked to be of the kinds the fields hold; a file that is not is ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import fields
from datetime import date
from decimal import Decimal
from operator import attrgetter
from pathlib import Path
from typing import Any

from claimgraph.services.conflicts.facts import (ClaimInfo, ComparisonFact, Dependence, FactCache, FactSet,
                                                 PropositionFact, ScoreFact, TrendFact)
from claimgraph.store import kept

__all__ = ["NAME", "read", "write", "remove"]

#: What the facts are kept as (``claimgraph-facts.json`` in the store's folder).
NAME = "facts"
_LOG = logging.getLogger("claimgraph")

# how each field of a fact is written: "s" text (an index into the table of texts, or null), "d" a date (its ISO
# text, so), "n" a decimal (its text, so), "i" an integer or null, "b" true or false
_FIELDS: dict[str, tuple[type, str]] = {
    "claims": (ClaimInfo, "sssds"),
    "scores": (ScoreFact, "sssssnsisssb"),
    "comparisons": (ComparisonFact, "ssssssss"),
    "propositions": (PropositionFact, "ssssss"),
    "trends": (TrendFact, "ssssss"),
    "dependences": (Dependence, "sssb"),
}


def write(folder: Path, stamp: str, cache: FactCache) -> Path:
    """Keep every fact of ``cache`` in ``folder``, for the store whose folder's stamp is ``stamp``."""
    texts: dict[str, int] = {}
    payload: dict[str, Any] = {}
    kinds: dict[str, Iterable[Any]] = {
        "claims": cache.claims.values(), "scores": _flat(cache.scores), "comparisons": _flat(cache.comparisons),
        "propositions": _flat(cache.propositions), "trends": cache.trends, "dependences": cache.dependences}
    for kind, items in kinds.items():
        maker, codes = _FIELDS[kind]
        values = attrgetter(*(f.name for f in fields(maker)))
        payload[kind] = [[_encode(code, value, texts) for code, value in zip(codes, values(item), strict=True)]
                         for item in items]
    payload["labels"] = [[_encode("s", iri, texts), _encode("s", label, texts)] for iri, label in cache.labels.items()]
    payload["texts"] = list(texts)
    return kept.write(folder, NAME, stamp, payload)


def read(folder: Path, stamp: str) -> FactSet | None:
    """The facts kept in ``folder`` for the store whose folder's stamp is ``stamp`` by this code, or None."""
    payload = kept.read(folder, NAME, stamp)
    if payload is None:
        return None
    try:
        return _facts(payload)
    except (TypeError, ValueError, KeyError, IndexError, ArithmeticError) as exc:
        _LOG.warning("ignored the conflicts' facts kept in %s: %s", folder, exc)
        return None


def remove(folder: Path) -> None:
    """Remove the facts kept in ``folder`` (they no longer describe the store)."""
    kept.remove(folder, NAME)


def _flat(groups: dict[str, list[Any]]) -> Iterable[Any]:
    return (item for items in groups.values() for item in items)


def _encode(code: str, value: object, texts: dict[str, int]) -> object:
    if value is None or code in "ib":
        return value
    text = value.isoformat() if isinstance(value, date) else str(value)
    return texts.setdefault(text, len(texts))


def _facts(payload: dict[str, Any]) -> FactSet:
    texts = payload["texts"]
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise ValueError("its table of texts is not a list of texts")
    decoders: dict[str, Callable[[Any], object]] = {
        "s": lambda i: None if i is None else texts[_index(i)],
        "d": lambda i: None if i is None else date.fromisoformat(texts[_index(i)]),
        "n": lambda i: None if i is None else Decimal(texts[_index(i)]),
        "i": lambda v: _checked(v, int),
        "b": lambda v: _checked(v, bool, nullable=False),
    }
    made: dict[str, list[Any]] = {}
    for kind, (maker, codes) in _FIELDS.items():
        columns = [decoders[c] for c in codes]
        rows = payload.pop(kind)  # let go of each kind's rows once made: memory holds one kind's twice at most
        if not isinstance(rows, list):
            raise ValueError(f"its {kind} are not a list")
        made[kind] = [maker(*(decode(v) for decode, v in zip(columns, row, strict=True))) for row in rows]
        del rows
    labels = {texts[_index(i)]: texts[_index(j)] for i, j in payload["labels"]}
    return FactSet(made["scores"], made["comparisons"], made["propositions"], made["trends"], made["dependences"],
                   {c.iri: c for c in made["claims"]}, labels)


def _index(value: object) -> int:
    if type(value) is not int or value < 0:
        raise ValueError(f"{value!r} is not a place in its table of texts")
    return value


def _checked(value: object, kind: type, *, nullable: bool = True) -> object:
    if (value is None and nullable) or type(value) is kind:
        return value
    raise ValueError(f"{value!r} is not {'a number' if kind is int else 'true or false'}")
