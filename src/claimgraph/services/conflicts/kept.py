"""The facts of the conflict detectors, kept in the store's folder between two runs of a server
(:mod:`claimgraph.store.kept`), so that the next start reads them in seconds instead of reading every statement of
the store again (minutes at 1M claims: see :mod:`.scan`).

They are written as lines of JSON: each text once, in a table (its first lines), and named by its place in it; then
each fact as a list of its fields, a few thousand a line. What is read back is checked to be of the kinds the fields
hold; a file that is not is ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields
from datetime import date
from decimal import Decimal
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Any

from claimgraph.services.conflicts.facts import (ClaimInfo, ComparisonFact, Dependence, FactCache, FactSet,
                                                 PropositionFact, ScoreFact, TrendFact)
from claimgraph.store import kept

__all__ = ["NAME", "read", "write", "restamp", "remove"]

#: What the facts are kept as (``claimgraph-facts.json`` in the store's folder).
NAME = "facts"
#: Texts or facts a line of the file holds at most.
CHUNK = 20_000
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
    rows: dict[str, list[list[object]]] = {}
    kinds: dict[str, Iterable[Any]] = {
        "claims": cache.claims.values(), "scores": _flat(cache.scores), "comparisons": _flat(cache.comparisons),
        "propositions": _flat(cache.propositions), "trends": cache.trends, "dependences": cache.dependences}
    for kind, items in kinds.items():
        maker, codes = _FIELDS[kind]
        values = attrgetter(*(f.name for f in fields(maker)))
        rows[kind] = [[_encode(code, value, texts) for code, value in zip(codes, values(item), strict=True)]
                      for item in items]
    rows["labels"] = [[_encode("s", iri, texts), _encode("s", label, texts)] for iri, label in cache.labels.items()]
    # the texts first, then each kind's rows: a line of CHUNK at most each
    lines = chain(_chunks("texts", list(texts)), *(_chunks(kind, encoded) for kind, encoded in rows.items()))
    return kept.write(folder, NAME, stamp, lines)


def read(folder: Path, stamp: str) -> FactSet | None:
    """The facts kept in ``folder`` for the store whose folder's stamp is ``stamp`` by this code, or None."""
    lines = kept.read(folder, NAME, stamp)
    if lines is None:
        return None
    try:
        return _facts(lines)
    except (TypeError, ValueError, KeyError, IndexError, ArithmeticError) as exc:
        _LOG.warning("ignored the conflicts' facts kept in %s: %s", folder, exc)
        return None


def restamp(folder: Path, was: str, now: str) -> bool:
    """Mark the facts kept in ``folder`` for the stamp ``was`` as kept for ``now`` (nothing written in between):
    whether it was done (see :func:`claimgraph.store.kept.restamp`)."""
    return kept.restamp(folder, NAME, was, now)


def remove(folder: Path) -> None:
    """Remove the facts kept in ``folder`` (they no longer describe the store)."""
    kept.remove(folder, NAME)


def _flat(groups: dict[str, list[Any]]) -> Iterable[Any]:
    return (item for items in groups.values() for item in items)


def _chunks(kind: str, items: list[Any]) -> Iterator[list[Any]]:
    return ([kind, items[i:i + CHUNK]] for i in range(0, len(items), CHUNK))


def _encode(code: str, value: object, texts: dict[str, int]) -> object:
    if value is None or code in "ib":
        return value
    text = value.isoformat() if isinstance(value, date) else str(value)
    return texts.setdefault(text, len(texts))


def _facts(lines: Iterable[Any]) -> FactSet:
    texts: list[str] = []
    decoders: dict[str, Callable[[Any], object]] = {
        "s": lambda i: None if i is None else texts[_index(i)],
        "d": lambda i: None if i is None else date.fromisoformat(texts[_index(i)]),
        "n": lambda i: None if i is None else Decimal(texts[_index(i)]),
        "i": lambda v: _checked(v, int),
        "b": lambda v: _checked(v, bool, nullable=False),
    }
    columns = {kind: (maker, [decoders[c] for c in codes]) for kind, (maker, codes) in _FIELDS.items()}
    made: dict[str, list[Any]] = {kind: [] for kind in _FIELDS}
    labels: dict[str, str] = {}
    for kind, rows in lines:
        if not isinstance(rows, list):
            raise ValueError(f"its {kind} are not a list")
        if kind == "texts":
            if not all(isinstance(t, str) for t in rows):
                raise ValueError("its table of texts holds something else")
            texts += rows
        elif kind == "labels":
            labels.update((texts[_index(i)], texts[_index(j)]) for i, j in rows)
        else:
            maker, decode_row = columns[kind]
            made[kind] += [maker(*(decode(v) for decode, v in zip(decode_row, row, strict=True))) for row in rows]
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
