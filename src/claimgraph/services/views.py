"""Read models of the pages people look at: a claim (its text with what was read in it marked, its provenance,
what it rests on, its conflicts), a benchmark (a leaderboard per comparable setting), a model, a method, a
dossier, and the home page. Each is a plain dict: the page renders it, and its ``.json`` twin is it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pyoxigraph import NamedNode

from claimgraph.model import iris
from claimgraph.namespaces import CG, DCTERMS, OA, PREFIXES, RDF, RDFS
from claimgraph.services import catalog
from claimgraph.services.analytics import centrality
from claimgraph.services.conflicts import ConflictFilter, ConflictIndex, Scope, load_facts
from claimgraph.services.conflicts.comparability import groups, normalised
from claimgraph.store import Store

__all__ = ["claim_view", "entity_view", "dossier_view", "home_view", "highlight"]


def _label(store: Store, iri: str) -> str:
    for q in store.match(NamedNode(iri), RDFS.label, None):
        return q.object.value
    for q in store.match(NamedNode(iri), DCTERMS.title, None):
        return q.object.value
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _link(store: Store, iri: str) -> dict[str, Any]:
    return {"iri": iri, "path": catalog.local_path(iri) or iri, "label": _label(store, iri)}


def _linker(store: Store) -> Callable[[str], dict[str, Any]]:
    """``_link`` for the making of one view, each IRI's label read once (a model appears in each of its
    comparisons; each lookup is a request to a remote store)."""
    made: dict[str, dict[str, Any]] = {}

    def link(iri: str) -> dict[str, Any]:
        if iri not in made:
            made[iri] = _link(store, iri)
        return made[iri]

    return link


def highlight(text: str, marks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The text cut into segments, each plain or marked (a mention linked to its entity, a value read as a
    score); overlapping marks keep the first that starts (the longer one on a tie)."""
    chosen, end = [], 0
    for mark in sorted(marks, key=lambda m: (m["start"], -m["end"])):
        if mark["start"] >= end and 0 <= mark["start"] < mark["end"] <= len(text):
            chosen.append(mark)
            end = mark["end"]
    segments, at = [], 0
    for mark in chosen:
        if mark["start"] > at:
            segments.append({"text": text[at:mark["start"]]})
        segments.append({**mark, "text": text[mark["start"]:mark["end"]]})
        at = mark["end"]
    if at < len(text):
        segments.append({"text": text[at:]})
    return segments


def _marks(store: Store, claim: NamedNode, text: str,
           link: Callable[[str], dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    marks, link = [], link or _linker(store)
    graph = iris.claim_graph(claim)
    for q in store.match(None, OA.hasSelector, None, graph):
        node, selector = q.subject, q.object
        start = next((catalog.integer(s.object) for s in store.match(selector, OA.start, None, graph)), None)
        end = next((catalog.integer(s.object) for s in store.match(selector, OA.end, None, graph)), None)
        if start is None or end is None or start >= end:
            continue
        types = {t.object for t in store.match(node, RDF.type, None, graph)}
        if CG.Mention in types:
            body = next((b.object.value for b in store.match(node, OA.hasBody, None, graph)), None)
            if body:
                linked = link(body)
                kind = next((t.object.value.rsplit("#", 1)[-1] for t in store.match(NamedNode(body), RDF.type, None)
                             if t.object.value.startswith(CG.iri)), "Entity")
                marks.append({"start": start, "end": end, "kind": kind.lower(), "href": linked["path"],
                              "title": f"{kind}: {linked['label']}"})
        elif CG.Score in types:
            value = next((v.object.value for v in store.match(node, CG.value, None, graph)), None)
            if value is None:
                continue
            span = text[start:end]
            for form in _value_forms(value):
                at = span.find(form)
                if at >= 0:
                    marks.append({"start": start + at, "end": start + at + len(form), "kind": "value",
                                  "title": "score read here", "statement": node.value})
                    break
    return marks


def _value_forms(value: str) -> list[str]:
    number = Decimal(value)
    forms = [value + "%", value]
    if number == number.to_integral_value():
        forms = [f"{int(number)}.0%", f"{int(number)}%", f"{int(number)}.0", str(int(number))] + forms
    return forms


def claim_view(store: Store, conflicts: ConflictIndex, iri: NamedNode) -> dict[str, Any] | None:
    detail = catalog.claim_detail(store, iri)
    if detail is None:
        return None
    text = detail["text"] or ""
    dossier = detail["dossier"]["value"] if detail["dossier"] else None
    found = conflicts.conflicts(ConflictFilter(claim=iri.value))
    link = _linker(store)
    return {
        "kind": "claim", "iri": iri.value, "path": detail["path"], "text": text, "stance": detail["stance"],
        "position": detail["position"],
        "dossier": link(dossier) if dossier else None,
        "authors": [link(q.object.value) for q in store.match(NamedNode(dossier), CG.authoredBy, None)]
        if dossier else [],
        "segments": highlight(text, _marks(store, iri, text, link)),
        "depends_on": [link(d["value"]) for d in detail["dependsOn"]],
        "mentions": [link(d["value"]) for d in detail["mentions"]],
        "provenance": detail["provenance"],
        "conflicts": [{"type": c.type, "severity": c.severity, "explanation": c.explanation,
                       "claims": [link(x) for x in c.claims if x != iri.value]} for c in found],
        "graph": detail["graph"],
    }


def _kind(store: Store, iri: NamedNode) -> str | None:
    for kind in ("Benchmark", "Model", "Method", "Metric", "Organization", "Event"):
        if any(True for _ in store.match(iri, RDF.type, CG[kind])):
            return kind
    return None


#: claims listed on one page of an entity, by default
PAGE_CLAIMS = 100
#: rows of each leaderboard on a benchmark's page (the best ones; every score is listed by
#: ``/api/entities/benchmark/{slug}/scores``)
BOARD_ROWS = 100


def entity_view(store: Store, iri: NamedNode, limit: int = PAGE_CLAIMS, offset: int = 0,
                detail: dict[str, Any] | None = None, conflicts: ConflictIndex | None = None) -> dict[str, Any] | None:
    """An entity's page: ``limit`` of the claims that name it from ``offset`` (``detail``: its
    ``catalog.entity_detail`` for that page, when the caller has it). A benchmark's leaderboards are made of the
    scores ``conflicts`` holds in memory when it is as new as the store (a server's: see
    :meth:`ConflictIndex.held_facts`), else read from the store."""
    kind = _kind(store, iri)
    if kind is None:
        return None
    # a model's page shows every score it has, a benchmark's its leaderboards: each read on its own
    detail = detail or catalog.entity_detail(store, iri, limit, offset, scores=False)
    if detail is None:
        return None
    total, offset = detail["claimsTotal"], detail["claimsOffset"]
    view: dict[str, Any] = {"kind": kind.lower(), "iri": iri.value, "path": detail["path"],
                            "label": detail["label"] or iri.value.rsplit("/", 1)[-1], "alt_labels": detail["altLabels"],
                            "claims": [{**c, "label": c["text"]} for c in detail["claims"]],
                            "claims_total": total, "offset": offset, "limit": limit,
                            "next_offset": offset + limit if offset + limit < total else None,
                            "previous_offset": max(0, offset - limit) if offset > 0 else None}
    if kind == "Benchmark":
        view["leaderboards"] = _leaderboards(store, iri.value, conflicts)
        for board in view["leaderboards"]:
            board["rows_total"] = len(board["rows"])
            del board["rows"][BOARD_ROWS:]
    if kind == "Model":
        link = _linker(store)
        view["scores"] = _model_scores(store, iri.value, catalog.entity_scores(store, iri)[1], link)
        view["comparisons"] = _comparisons(store, iri.value, link)
    if kind == "Method":
        view["trained"] = [_link(store, r["model"].value) for r in store.query(  # type: ignore[union-attr]
            "SELECT DISTINCT ?model ?method WHERE { ?model cg:trainedWith ?method }",
            substitutions={"method": iri}, prefixes=PREFIXES)]
    return view


def _leaderboards(store: Store, benchmark: str, conflicts: ConflictIndex | None = None) -> list[dict[str, Any]]:
    """One table per comparable setting: the scores on the benchmark, best first."""
    scope = Scope(benchmarks=frozenset({benchmark}), domains=frozenset(), subjects=frozenset(), trends=False,
                  dependence=False, comparisons=False)
    # the held facts are those of the store read now (what load_facts reads), while a server's index is current:
    # 6 ms for the 7,030 scores on a benchmark of 100k claims, against 2.4 s to read them
    facts = conflicts.held_facts(scope) if conflicts is not None else load_facts(store, scope)
    out = []
    for key, scores in sorted(groups(facts.scores).items(), key=lambda kv: (-len(kv[1]), kv[0])):
        rows = []
        for score in scores:
            value, _ = normalised(score, scores)
            info = facts.claims.get(score.claim)
            rows.append({"model": {"iri": score.model, "path": catalog.local_path(score.model) or score.model,
                                   "label": facts.label(score.model)},
                         "value": float(value), "written": str(score.value) + ("%" if score.unit == "percent" else ""),
                         "rank": score.rank, "claim": {"iri": score.claim, "path": catalog.local_path(score.claim)},
                         "date": info.date.isoformat() if info and info.date else None,
                         "standing": info is None or info.withdrawn is None})
        lower = any(s.lower_is_better for s in scores)
        rows.sort(key=lambda r: (r["value"] if lower else -r["value"], r["model"]["label"]))
        metric = key.metric.rsplit("/", 1)[-1] if key.metric else "score"
        out.append({"metric": metric, "setting": key.setting or "setting not stated",
                    "lower_is_better": lower, "rows": rows, "best": max((r["value"] for r in rows), default=0)})
    return out


def _model_scores(store: Store, model: str, scores: list[dict[str, Any]],
                  link: Callable[[str], dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The model's own scores, from those about it (``catalog.entity_scores``: as their model or their
    benchmark)."""
    out, link = [], link or _linker(store)
    for r in scores:
        if r["model"] is None or r["model"]["value"] != model or r["benchmark"] is None:
            continue
        out.append({"benchmark": link(r["benchmark"]["value"]),
                    "value": r["value"]["value"] if r["value"] is not None else None,
                    "unit": r["unit"]["value"] if r["unit"] is not None else None,
                    "rank": r["rank"]["value"] if r["rank"] is not None else None,
                    "setting": r["setting"]["value"] if r["setting"] is not None else "",
                    "claim": {"iri": r["claim"]["value"], "path": catalog.local_path(r["claim"]["value"])}})
    return sorted(out, key=lambda s: (s["benchmark"]["label"], s["setting"]))


def _comparisons(store: Store, model: str,
                 link: Callable[[str], dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    out, link = [], link or _linker(store)
    # a branch for each side the model is on, each whole: a filter (or a join to the union) made the engine read
    # every comparison (1.5 s at 100k claims instead of 3 ms)
    for r in store.query("SELECT DISTINCT ?m ?c ?model ?other ?direction ?benchmark ?domain ?claim WHERE { "
                         "{ ?c cg:model ?m ; a cg:Comparison ; cg:direction ?direction ; cg:assertedBy ?claim ; "
                         "cg:comparedWith ?other BIND(?m AS ?model) } UNION "
                         "{ ?c cg:comparedWith ?m ; a cg:Comparison ; cg:direction ?direction ; cg:assertedBy ?claim ; "
                         "cg:model ?model BIND(?m AS ?other) } "
                         "OPTIONAL { ?c cg:benchmark ?benchmark } OPTIONAL { ?c cg:domain ?domain } }",
                         substitutions={"m": NamedNode(model)}, prefixes=PREFIXES):  # type: ignore[union-attr]
        out.append({"model": link(r["model"].value), "other": link(r["other"].value),  # type: ignore[index]
                    "direction": r["direction"].value,  # type: ignore[index]
                    "on": link(r["benchmark"].value) if r["benchmark"] is not None  # type: ignore[index]
                    else {"label": r["domain"].value if r["domain"] is not None else "?", "path": None},  # type: ignore[index]
                    "claim": {"iri": r["claim"].value, "path": catalog.local_path(r["claim"].value)}})  # type: ignore[index]
    return out


def home_view(store: Store, conflicts: ConflictIndex, stats: dict[str, Any],
              benchmarks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The home page: counts (``stats``), dossiers, recent claims, conflicts, and the busiest ``benchmarks``
    (``analytics.centrality``'s list, of which the first ten are shown; read here if not given)."""
    dossiers = [{"iri": r["d"].value, "path": catalog.local_path(r["d"].value), "label": r["title"].value,  # type: ignore[index]
                 "claims": int(r["n"].value)}  # type: ignore[index]
                for r in store.query("SELECT ?d ?title (COUNT(?c) AS ?n) WHERE { ?d a cg:Dossier ; dcterms:title ?title . "
                                     "OPTIONAL { ?d cg:hasClaim ?c } } GROUP BY ?d ?title ORDER BY DESC(?n) "
                                     "STR(?title) LIMIT 50", prefixes=PREFIXES)]  # type: ignore[union-attr]
    # the claims of the most recently tended dossiers: a sort over dossiers, not over every claim
    recent = [{"iri": r["c"].value, "path": catalog.local_path(r["c"].value), "text": r["text"].value,  # type: ignore[index]
               "stance": r["stance"].value, "date": r["date"].value if r["date"] is not None else None}  # type: ignore[index]
              for r in store.query("SELECT ?c ?text ?stance ?date WHERE { "
                                   "{ SELECT ?d ?tended WHERE { ?d a cg:Dossier . OPTIONAL { ?d cg:lastTended ?tended } } "
                                   "ORDER BY DESC(STR(?tended)) ?d LIMIT 10 } "
                                   "?d cg:hasClaim ?c . ?c cg:text ?text ; cg:stance ?stance . "
                                   "OPTIONAL { ?c dcterms:created ?date } } ORDER BY DESC(STR(?date)) ?c LIMIT 10",
                                   prefixes=PREFIXES)]  # type: ignore[union-attr]
    held = conflicts.conflicts()
    by_type: dict[str, int] = defaultdict(int)
    for c in held:
        by_type[c.type] += 1
    return {"kind": "home", "counts": stats, "dossiers": dossiers, "recent_claims": recent,
            "conflicts": {"total": len(held), "by_type": dict(by_type),
                          "first": [{"type": c.type, "severity": c.severity, "explanation": c.explanation,
                                     "claims": [catalog.local_path(x) for x in c.claims]} for c in held[:10]]},
            "benchmarks": (benchmarks if benchmarks is not None else centrality(store, "Benchmark", 10))[:10],
            "links": {"sparql": "/sparql", "editor": "/editor", "graph": "/graph", "conflicts": "/conflicts",
                      "docs": "/docs", "void": "/.well-known/void"}}



def dossier_view(store: Store, conflicts: ConflictIndex, iri: NamedNode) -> dict[str, Any] | None:
    """A dossier: its title and metadata, who wrote it, its claims in order, its revisions, its conflicts."""
    if not any(True for _ in store.match(iri, RDF.type, CG.Dossier)):
        return None
    first = lambda p: next((q.object.value for q in store.match(iri, p, None)), None)  # noqa: E731
    claims = []
    for r in store.query("SELECT ?d ?c ?n ?text ?stance ?date WHERE { ?c cg:inDossier ?d ; cg:position ?n ; "
                         "cg:text ?text ; cg:stance ?stance . OPTIONAL { ?c dcterms:created ?date } } "
                         "ORDER BY xsd:integer(?n) STR(?n) ?c",
                         substitutions={"d": iri}, prefixes=PREFIXES):  # type: ignore[union-attr]
        claims.append({"iri": r["c"].value, "path": catalog.local_path(r["c"].value),  # type: ignore[index]
                       "position": catalog.integer(r["n"]), "text": r["text"].value,  # type: ignore[index]
                       "stance": r["stance"].value, "date": r["date"].value if r["date"] is not None else None})  # type: ignore[index]
    mine = {c["iri"] for c in claims}
    held = [c for c in conflicts.conflicts() if mine.intersection(c.claims)]
    revisions = [{"iri": r["rev"].value, "ingested": r["at"].value}  # type: ignore[index]
                 for r in store.query("SELECT ?d ?rev ?at WHERE { ?rev prov:specializationOf ?d ; "
                                      "prov:generatedAtTime ?at } ORDER BY DESC(STR(?at)) ?rev",
                                      substitutions={"d": iri}, prefixes=PREFIXES)]  # type: ignore[union-attr]
    return {
        "kind": "dossier", "iri": iri.value, "path": catalog.local_path(iri.value),
        "title": first(DCTERMS.title) or iri.value, "status": first(CG.status), "importance": first(CG.importance),
        "created": first(DCTERMS.created), "last_tended": first(CG.lastTended), "canonical": first(CG.canonicalPath),
        "metadata": [q.object.value for q in store.match(iri, CG.metadata, None)],
        "authors": [_link(store, q.object.value) for q in store.match(iri, CG.authoredBy, None)],
        "authorship": first(CG.authorshipStatement),
        "claims": claims, "revisions": revisions,
        "conflicts": [{"type": c.type, "severity": c.severity, "explanation": c.explanation,
                       "claims": [catalog.local_path(x) for x in c.claims]} for c in held],
    }
