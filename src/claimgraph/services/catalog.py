"""Read models for the JSON API and the pages: claims (paged, filtered), one claim, one entity, one resource.

Every query here is a named query (``queries/*.rq``); values from requests are bound by substitution,
never pasted into the query text.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from claimgraph.namespaces import CG, DATA, RDF, RDFS, SKOS
from claimgraph.services.sparql import named_query
from claimgraph.store import Store
from claimgraph.store.oxigraph import OxigraphStore

__all__ = ["ClaimFilter", "claims_page", "claim_detail", "entity_detail", "entity_claims", "describe", "incoming",
           "term_json", "local_path", "integer", "MAX_PAGE"]

#: The most items one page of the JSON API returns.
MAX_PAGE = 500
#: How many reads (filters' counts of claims, entities' scores) are kept for each store (see ``_until_written``)
COUNTS_KEPT = 64

T = TypeVar("T")


def integer(value: Any) -> int | None:
    """The integer a term (or its lexical form) writes; None for no value, or for one that is no integer: a graph
    written through the Graph Store Protocol or an update is not validated, and may hold a date where a position
    belongs."""
    if value is None:
        return None
    try:
        return int(value if isinstance(value, str) else value.value)
    except (ValueError, AttributeError):
        return None


def local_path(iri: str) -> str | None:
    """The path under which a served claimgraph answers for one of its own IRIs (``/id/…``), or None."""
    if iri.startswith(DATA.iri):
        return "/id/" + iri[len(DATA.iri):]
    if iri.startswith(CG.iri) or iri == CG.iri.rstrip("#"):
        return "/ns"
    return None


def term_json(term: object) -> dict[str, Any] | None:
    """A term in the shape of SPARQL 1.1 JSON results, plus the local path of claimgraph IRIs."""
    if term is None:
        return None
    if isinstance(term, NamedNode):
        out: dict[str, Any] = {"type": "uri", "value": term.value}
        path = local_path(term.value)
        if path:
            out["path"] = path
        return out
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "unknown", "value": str(term)}


@dataclass(frozen=True)
class ClaimFilter:
    stance: str | None = None
    dossier: str | None = None  # IRI
    entity: str | None = None  # IRI: claims that mention or depend on it


def _filtered(name: str, flt: ClaimFilter) -> tuple[str, dict[str, object]]:
    text = "\n".join(line for line in named_query(name).splitlines()
                     if "FILTER-entity" not in line or flt.entity)
    bindings: dict[str, object] = {}
    if flt.stance is not None:
        bindings["stance"] = Literal(flt.stance)
    if flt.dossier is not None:
        bindings["dossier"] = NamedNode(flt.dossier)
    if flt.entity is not None:
        bindings["entity"] = NamedNode(flt.entity)
    return text, bindings


def claims_page(store: Store, flt: ClaimFilter, limit: int, offset: int) -> dict[str, Any]:
    """One page of claims and the total that the filter selects, in the order of ``claims-page.rq`` (by dossier,
    then position).

    The page is read dossier by dossier: the count (``claims-count.rq``, grouped by dossier among others) says how
    many claims each dossier holds under the filter, the dossiers are put in order here, and only those the page
    reaches are asked for their claims. One query sorting every claim instead costs pyoxigraph 0.5.13 some 40 µs
    a claim (0.45-0.6 s at 10k claims, for any page). The count is what is left (1.4-2 s at 100k claims without
    a filter): it is kept, for the last :data:`COUNTS_KEPT` filters asked, until the store is next written, so
    that the next page of the same list costs only its own claims."""
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, offset)
    text, bindings = _filtered("claims-page", flt)
    held = _claim_counts(store, flt)
    items: list[dict[str, Any]] = []
    skip = offset
    for dossier in sorted(held, key=_sparql_order):
        if len(items) >= limit:
            break
        if skip >= held[dossier]:
            skip -= held[dossier]
            continue
        # limit and offset are validated integers, the only values written into the query text
        rows = store.query(f"{text}\nLIMIT {limit - len(items)} OFFSET {skip}",
                           substitutions={**bindings, "dossier": dossier})
        items += [{
            "iri": row["claim"].value,
            "path": local_path(row["claim"].value),
            "text": row["text"].value,
            "stance": row["stance"].value,
            "position": integer(row["position"]),
            "dossier": {"iri": row["dossier"].value, "path": local_path(row["dossier"].value),
                        "title": row["title"].value if row["title"] is not None else None},
        } for row in rows]  # type: ignore[union-attr]
        skip = 0
    return {"items": items, "total": sum(held.values()), "limit": limit, "offset": offset}


#: each store's kept reads: what was read (a filter's claim counts, an entity's scores) -> (the store's generation
#: it was read at, what was read)
_KEPT: weakref.WeakKeyDictionary[Store, OrderedDict[tuple[Any, ...], tuple[int, Any]]] = weakref.WeakKeyDictionary()
_KEPT_LOCK = threading.Lock()


def _until_written(store: Store, key: tuple[Any, ...], read: Callable[[], T]) -> T:
    """``read()``, or what it gave before for ``key`` while nothing has been written since (the generation is
    read before reading: a write during the read moves it, so what was read is never taken for the store after
    that write); the last :data:`COUNTS_KEPT` keys are kept. Only for the embedded store, whose generation moves
    with every write: a remote store may be written by others."""
    if not isinstance(store, OxigraphStore):
        return read()
    generation = store.generation
    with _KEPT_LOCK:
        kept = _KEPT.setdefault(store, OrderedDict())
        hit = kept.get(key)
        if hit is not None and hit[0] == generation:
            kept.move_to_end(key)
            return cast(T, hit[1])
    value = read()
    with _KEPT_LOCK:
        kept[key] = (generation, value)
        kept.move_to_end(key)
        while len(kept) > COUNTS_KEPT:
            kept.popitem(last=False)
    return value


def _claim_counts(store: Store, flt: ClaimFilter) -> dict[Any, int]:
    """How many claims each dossier holds under ``flt``, counted now or kept (``_until_written``)."""
    return _until_written(store, ("claims", flt), lambda: _count_claims(store, flt))


def _count_claims(store: Store, flt: ClaimFilter) -> dict[Any, int]:
    count_text, bindings = _filtered("claims-count", flt)
    held: dict[Any, int] = {}
    for row in store.query(count_text, substitutions=bindings or None):  # type: ignore[union-attr]
        held[row["dossier"]] = held.get(row["dossier"], 0) + int(row["n"].value)
    return held


def _sparql_order(term: Any) -> tuple[int, str]:
    """A term's place in SPARQL's ORDER BY among terms of different kinds: blank nodes, then IRIs, then literals;
    IRIs by their text (code points, as pyoxigraph compares them)."""
    return (0 if isinstance(term, BlankNode) else 1 if isinstance(term, NamedNode) else 2, term.value)


def _events(store: Store, claim: NamedNode) -> list[dict[str, Any]]:
    out = []
    for row in store.query(named_query("claim-events"), substitutions={"claim": claim}):  # type: ignore[union-attr]
        out.append({
            "iri": row["event"].value,
            "sequence": integer(row["sequence"]),
            "date": row["date"].value,
            "action": row["action"].value,
            "label": row["label"].value if row["label"] is not None else None,
            "stance": row["stance"].value if row["stance"] is not None else None,
            "note": row["note"].value if row["note"] is not None else None,
        })
    return out


def claim_detail(store: Store, claim: NamedNode) -> dict[str, Any] | None:
    """A claim with everything its named graph asserts and its provenance history; None if unknown."""
    quads = list(store.match(claim, None, None))
    if not any(q.predicate == RDF.type and q.object == CG.Claim for q in quads):
        return None
    values = _properties(quads)
    assertion_graph = next((q.graph_name for q in quads if q.predicate == RDF.type and q.object == CG.Claim), None)
    assertions = [{"subject": term_json(q.subject), "predicate": q.predicate.value, "object": term_json(q.object)}
                  for q in store.quads(assertion_graph)] if isinstance(assertion_graph, NamedNode) else []
    first = lambda p: values.get(p.value, [None])[0]  # noqa: E731
    return {
        "iri": claim.value,
        "path": local_path(claim.value),
        "text": (first(CG.text) or {}).get("value"),
        "stance": (first(CG.stance) or {}).get("value"),
        "position": integer((first(CG.position) or {}).get("value")),
        "dossier": first(CG.inDossier),
        "mentions": values.get(CG.mentions.value, []),
        "dependsOn": values.get(CG.dependsOn.value, []),
        "graph": assertion_graph.value if isinstance(assertion_graph, NamedNode) else None,
        "assertions": assertions,
        "provenance": _events(store, claim),
    }


def entity_detail(store: Store, entity: NamedNode, limit: int | None = None, offset: int = 0,
                  scores: bool = True, scores_limit: int | None = None,
                  scores_offset: int = 0) -> dict[str, Any] | None:
    """A model, method, benchmark, … with its labels, its scores and the claims that mention or depend on it.
    The claims: all of them, or the page of ``limit`` from ``offset`` (in the order of their IRIs), with how many
    there are (``claimsTotal``). The scores likewise (``entity_scores``: all, or the page of ``scores_limit``
    from ``scores_offset``, with ``scoresTotal``), unless ``scores`` is false (none, and a total of 0)."""
    quads = list(store.match(entity, None, None))
    if not quads:
        return None
    values = _properties(quads)
    total, claims = entity_claims(store, entity, limit, offset)
    scores_total, held = entity_scores(store, entity, scores_limit, scores_offset) if scores else (0, [])
    labels = [v["value"] for v in values.get(RDFS.label.value, [])]
    return {
        "iri": entity.value,
        "path": local_path(entity.value),
        "label": labels[0] if labels else None,
        "types": [v["value"] for v in values.get(RDF.type.value, [])],
        "altLabels": sorted({v["value"] for v in values.get(SKOS.altLabel.value, [])}),
        "properties": values,
        "scores": held,
        "claims": claims,
        "claimsTotal": total,
        "claimsOffset": max(0, offset),
        "scoresTotal": scores_total,
        "scoresOffset": max(0, scores_offset),
    }


#: scores listed with an entity, and on a page of its scores, unless asked otherwise
SCORES_PAGE = 100
#: what each row of ``entity_scores`` gives, in order
SCORE_FIELDS = ("score", "model", "benchmark", "metric", "value", "unit", "rank", "setting", "claim")


def entity_scores(store: Store, entity: NamedNode, limit: int | None = None,
                  offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """How many scores are about ``entity`` (its model or its benchmark), and the rows of those on the page asked
    (all when ``limit`` is None), in the order of their IRIs: each row a score with its ``SCORE_FIELDS``, one row
    for each combination of the values it has (as one query's OPTIONALs give them; None for a value it lacks).

    The scores are found by index lookups, and kept until the store is written (``_until_written``); only the
    page's are read, by one query: reading every score of a benchmark that 12,000 claims name took the engine
    1.1 s at 100k claims for its 7,030 scores, where finding them takes 0.26 s and reading a page of 100 of them
    5 ms."""
    ordered = _until_written(store, ("scores", entity), lambda: _scores_of(store, entity))
    chosen = _page(ordered, limit, offset)
    place = {score: n for n, score in enumerate(chosen)}
    rows: list[tuple[int, dict[str, Any]]] = []
    for text in _naming("score-rows", "score", (s for s in chosen if isinstance(s, NamedNode))):
        rows += [(place[row["score"]], {name: term_json(row[name]) for name in SCORE_FIELDS})
                 for row in store.query(text)]  # type: ignore[union-attr]
    for score in chosen:
        if not isinstance(score, NamedNode):  # a blank node, which a query cannot name: looked up
            rows += [(place[score], row) for row in _score_rows(store, score)]
    return len(ordered), [row for _, row in sorted(rows, key=lambda item: item[0])]


def _scores_of(store: Store, entity: NamedNode) -> tuple[Any, ...]:
    """The scores about ``entity``, in the order of their IRIs: looked up one by one in the embedded store (0.26 s
    for MMLU's 7,030 at 100k claims, where one query takes 0.9 s), asked in one query of a remote store (where
    each lookup is a request)."""
    if not isinstance(store, OxigraphStore):
        scores = {row["score"] for row in store.query(named_query("entity-scores"),  # type: ignore[union-attr]
                                                      substitutions={"entity": entity})}
        return tuple(sorted(scores, key=_sparql_order))
    found = {q.subject for relation in (CG.model, CG.benchmark) for q in store.match(None, relation, entity)}
    return tuple(sorted((s for s in found if any(True for _ in store.match(s, RDF.type, CG.Score))),
                        key=_sparql_order))


#: terms one query of ``entity_scores`` or ``entity_claims`` names at once
_VALUES_AT_ONCE = 500


def _score_rows(store: Store, score: Any) -> list[dict[str, Any]]:
    """The rows ``score-rows.rq`` gives for ``score``, read by lookups."""
    values = [sorted({q.object for q in store.match(score, CG[name if name != "claim" else "assertedBy"], None)},
                     key=_sparql_order) or [None] for name in SCORE_FIELDS[1:]]
    return [{"score": term_json(score),
             **{name: term_json(value) for name, value in zip(SCORE_FIELDS[1:], combo, strict=True)}}
            for combo in itertools.product(*values)]


def entity_claims(store: Store, entity: NamedNode, limit: int | None = None,
                  offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """How many claims mention or depend on ``entity``, and those of the page asked (all when ``limit`` is
    None), in the order of their IRIs, each with its text, stance and relations to the entity.

    The claims are found by index lookups and put in order here, not by one query: the engine sorted the IRIs
    of a benchmark's 12,000 claims in 0.5 s where Python takes milliseconds, and joined a page's claims to their
    texts by reading every claim's text (0.6 s at 100k claims). The page's texts and stances are read by one
    query naming its claims (1.8 ms for 100, against 2.3 ms for a lookup of each; and one request to a remote
    store, not two a claim). A claim with several texts (or stances) is listed with the least."""
    relations: dict[str, list[str]] = {}
    named: dict[str, NamedNode] = {}  # the subjects that are IRIs, as only claims can be
    for relation in (CG.dependsOn, CG.mentions):  # the order the relations are listed in
        name = relation.value.rsplit("#", 1)[1]
        for q in store.match(None, relation, entity):
            kinds = relations.setdefault(q.subject.value, [])
            if name not in kinds:
                kinds.append(name)
            if isinstance(q.subject, NamedNode):
                named[q.subject.value] = q.subject
    ordered = sorted(relations)
    chosen = _page(ordered, limit, offset)
    held: dict[str, tuple[str, str]] = {}  # each claim's text and stance (the least, where it has several)
    for text in _naming("claim-texts", "claim", (named[iri] for iri in chosen if iri in named)):
        for row in store.query(text):  # type: ignore[union-attr]
            found = (row["text"].value, row["stance"].value)
            iri = row["claim"].value
            if iri not in held or found < held[iri]:
                held[iri] = found
    # only claims have a text and a stance (only claims mention what they name)
    return len(ordered), [{"iri": iri, "path": local_path(iri), "text": held[iri][0], "stance": held[iri][1],
                           "relations": relations[iri]} for iri in chosen if iri in held]


def _page(ordered: Sequence[T], limit: int | None, offset: int) -> Sequence[T]:
    """The items of the page of ``limit`` from ``offset`` (all from there when ``limit`` is None)."""
    start = max(0, offset)
    return ordered[start:] if limit is None else ordered[start:start + max(0, limit)]


def _naming(name: str, variable: str, terms: Iterable[NamedNode]) -> Iterator[str]:
    """The text of the query ``name`` with its empty ``VALUES ?variable { }`` naming ``terms`` (IRIs the store
    holds): a query for each ``_VALUES_AT_ONCE`` of them."""
    terms, query = list(terms), named_query(name)
    for part in range(0, len(terms), _VALUES_AT_ONCE):
        listed = " ".join(f"<{t.value}>" for t in terms[part:part + _VALUES_AT_ONCE])
        yield query.replace(f"VALUES ?{variable} {{ }}", f"VALUES ?{variable} {{ {listed} }}", 1)


def describe(store: Store, iri: NamedNode) -> list[Quad]:
    """What the store says about ``iri``: every quad with it as subject (following blank nodes), and the
    contents of the graph it names, if it names one. Empty if the store knows nothing of it."""
    out = list(store.match(iri, None, None))
    seen = {q.object for q in out if isinstance(q.object, BlankNode)}
    frontier = list(seen)
    while frontier:
        node = frontier.pop()
        for q in store.match(node, None, None):
            out.append(q)
            if isinstance(q.object, BlankNode) and q.object not in seen:
                seen.add(q.object)
                frontier.append(q.object)
    if store.has_graph(iri):
        out.extend(store.quads(iri))
    return list(dict.fromkeys(out))


def incoming(store: Store, iri: NamedNode, limit: int = 200) -> list[Quad]:
    """Quads that point at ``iri`` (at most ``limit``)."""
    return list(itertools.islice(store.match(None, None, iri), limit))


def _properties(quads: list[Quad]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for q in quads:
        value = term_json(q.object)
        if value is not None and value not in out.setdefault(q.predicate.value, []):
            out[q.predicate.value].append(value)
    return out

