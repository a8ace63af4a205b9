"""Dry run: the conflicts a proposed claim would create, without writing anything.

A proposal is either Markdown (a whole dossier, or one or more ``### [stance] text`` claims, or plain
text taken as one claim) or JSON::

    {"text": "Grok 4.20 Multi-Agent Beta ranks 1st on the Intelligence Index at 48",
     "stance": "evidence", "date": "2026-11-26"}

    {"claims": [{"text": "…", "assertions": {
        "scores": [{"model": "Grok 4.20 Multi-Agent Beta", "benchmark": "Intelligence Index",
                    "value": 48, "rank": 1}],
        "comparisons": [{"model": "AgentFlow", "other": "GPT-4o", "direction": "better", "domain": "search"}],
        "propositions": [{"about": "reverse KL", "property": "guarantee monotonic policy improvement",
                          "polarity": "positive"}],
        "trends": [{"x": "intelligence", "y": "hallucination", "sign": "negative"}],
        "depends_on": ["https://w3id.org/claimgraph/id/dossier/…/claim/2"]}}]}

Structured ``assertions`` are taken as given and replace what would be read from the text (as a
statement block does in a dossier). Entities are named by label (any spelling the vocabulary knows) or by
IRI. A claim with no date is dated today. The proposal is mapped exactly as an ingest would map it, read
into a scratch in-memory store, and checked against the facts of the scopes it touches.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from pyoxigraph import NamedNode, Quad

from claimgraph.errors import DossierSyntaxError, InputError
from claimgraph.extract import parse_dossier
from claimgraph.extract.assertions import (ComparisonAssertion, EntityRef, Extraction, Proposition, ScoreAssertion,
                                           Setting, Span, Trend)
from claimgraph.extract.mentions import Lexicon
from claimgraph.extract.records import ClaimRecord, DossierRecord, ProvenanceEntry
from claimgraph.model import iris, map_dossier
from claimgraph.namespaces import CG, RDF
from claimgraph.resources import CONTEXT_IRI, claim_context
from claimgraph.services.conflicts.comparability import Tolerance, comparable_key
from claimgraph.services.conflicts.conflict import Conflict
from claimgraph.services.conflicts.detectors import detect, scopes_of_quads
from claimgraph.services.conflicts.facts import Dependence, FactSet, Scope, claim_infos, load_facts, trend_quantities
from claimgraph.store import OxigraphStore, Store

__all__ = ["Proposal", "proposal_from_text", "proposal_from_json", "claims_from_json", "check", "MAX_PROPOSED_CLAIMS"]

MAX_PROPOSED_CLAIMS = 100
_SNIPPET_LINES = 5  # lines put before a snippet of claims to make it a dossier
_GIVEN = Span(0, 0, "")


@dataclass(frozen=True)
class Proposal:
    claims: tuple[NamedNode, ...]
    quads: tuple[Quad, ...]
    dates: dict[str, date]


def _proposal_path(text: str) -> str:
    return "/proposed/" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def proposal_from_text(text: str, lexicon: Lexicon, today: date) -> Proposal:
    """A proposal from Markdown: a whole dossier, claims (``### [stance] …``), or plain text (one claim)."""
    if not text.strip():
        raise InputError("the proposal is empty: give a claim's text, a dossier snippet or JSON")
    if re.match(r"\s*#\s", text):
        record = parse_dossier(text, "<proposal>")
    elif re.search(r"^###\s", text, re.MULTILINE):
        prelude = f"# Proposed claims\n\n- **canonical:** {_proposal_path(text)}\n\n## Claims\n"
        assert prelude.count("\n") == _SNIPPET_LINES
        try:
            record = parse_dossier(prelude + text, "<proposal>")
        except DossierSyntaxError as exc:
            raise DossierSyntaxError("<proposal>", max(1, exc.line - _SNIPPET_LINES), exc.message) from None
    else:
        return proposal_from_json({"text": text}, lexicon, today)
    if not record.claims:
        raise InputError("<proposal>: no claim found (a claim is a line '### [stance] text')")
    return _proposal(record, lexicon, today)


def proposal_from_json(data: Any, lexicon: Lexicon, today: date) -> Proposal:
    """A proposal from JSON: one claim object, a list of them, or ``{"claims": [...]}``."""
    claims = claims_from_json(data, lexicon, today)
    body = json.dumps(data, sort_keys=True, default=str)
    record = DossierRecord("<proposal>", body, hashlib.sha256(body.encode()).hexdigest(), "Proposed claims",
                           canonical_path=_proposal_path(body), claims=tuple(claims))
    return _proposal(record, lexicon, today)


def claims_from_json(data: Any, lexicon: Lexicon, today: date, *, note: str = "") -> list[ClaimRecord]:
    """Claims from their JSON form (see the module's documentation); a claim with no date is dated ``today``.
    Raises InputError naming the field that is wrong."""
    if isinstance(data, dict) and "claims" in data:
        unknown = set(data) - {"claims", "@context", "@id"}
        if unknown:
            raise InputError(f"unknown field(s) {', '.join(sorted(unknown))} beside 'claims'")
        _check_context(data.get("@context"), "@context")
        items = data["claims"]
    else:
        items = data
    items = items if isinstance(items, list) else [items]
    if not items:
        raise InputError("no claims given")
    if len(items) > MAX_PROPOSED_CLAIMS and not note:
        raise InputError(f"at most {MAX_PROPOSED_CLAIMS} claims per check, got {len(items)}")
    claims = []
    for n, item in enumerate(items, start=1):
        where = f"claims[{n - 1}]"
        if not isinstance(item, dict):
            raise InputError(f"{where}: expected an object with 'text' and/or 'assertions'")
        unknown = set(item) - {"text", "stance", "date", "assertions", "@context", "@type", "@id"}
        if unknown:
            raise InputError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        _check_context(item.get("@context"), f"{where}.@context")
        if item.get("@type", "Claim") not in ("Claim", "cg:Claim", CG.Claim.value):
            raise InputError(f"{where}.@type: a claim's type is Claim, not {item['@type']!r}")
        text, assertions = item.get("text"), item.get("assertions")
        if text is not None and not isinstance(text, str):
            raise InputError(f"{where}.text: expected a string")
        if not (text and text.strip()) and not assertions:
            raise InputError(f"{where}: give 'text', 'assertions' or both")
        stance = item.get("stance", "proposed" if not note else "evidence")
        if not isinstance(stance, str) or not re.fullmatch(r"[\w -]{1,40}", stance):
            raise InputError(f"{where}.stance: expected a short word such as 'evidence'")
        when = _date(item.get("date"), f"{where}.date") or today
        history = (ProvenanceEntry(when, f"asserted as {stance.lower()}", "asserted", stance.lower(), note, 0),)
        extraction, depends = _extraction(assertions, lexicon, f"{where}.assertions") if assertions is not None \
            else (None, [])
        claims.append(ClaimRecord(n, stance.lower(), " ".join((text or "(structured assertions)").split()), 0,
                                  history, given=extraction, depends_on=tuple(depends)))
    return claims


def _check_context(value: Any, where: str) -> None:
    """JSON claims are JSON-LD in claimgraph's own context: by its IRI, or the context itself, or neither."""
    contexts = value if isinstance(value, list) else [value]
    if all(c is None or c == CONTEXT_IRI or c == claim_context() for c in contexts):
        return
    shown = json.dumps(value)[:80]
    raise InputError(f"{where}: JSON claims are read in claimgraph's context ({CONTEXT_IRI}) only, not {shown}")


def _proposal(record: DossierRecord, lexicon: Lexicon, today: date) -> Proposal:
    if len(record.claims) > MAX_PROPOSED_CLAIMS:
        raise InputError(f"at most {MAX_PROPOSED_CLAIMS} claims per check, got {len(record.claims)}")
    mapped = map_dossier(record, lexicon)
    quads = list(mapped.quads) + list(mapped.shared)
    dates = {}
    for claim in record.claims:
        node = iris.claim_iri(mapped.iri, claim.position)
        dates[node.value] = min((e.date for e in claim.history), default=record.created or today)
    return Proposal(mapped.claims, tuple(quads), dates)


def check(store: Store, proposal: Proposal, tolerance: Tolerance,
          held_facts: Callable[[Scope], FactSet] | None = None) -> tuple[list[Conflict], FactSet]:
    """The conflicts that ingesting ``proposal`` would add (those that involve one of its claims), and
    the facts that explain them. Nothing is written to ``store``. ``held_facts`` reads what the store holds
    in a scope (by default, by querying it; a :class:`ConflictIndex` answers from its cache)."""
    scratch = OxigraphStore(None)
    scratch.add_quads(proposal.quads)
    scopes = scopes_of_quads(proposal.quads)
    proposed = load_facts(scratch, label_store=store)
    proposed.claims.update({iri: replace(info, date=info.date or proposal.dates.get(iri))
                            for iri, info in proposed.claims.items()})
    # what the proposal depends on is in the store, not in the proposal
    mine = {c.value for c in proposal.claims}
    proposed.dependences = [_resolved(store, d, mine) for d in proposed.dependences]
    proposed.claims.update(claim_infos(store, {d.target_claim for d in proposed.dependences if d.target_claim}
                                       - mine))
    read = held_facts or (lambda wanted: load_facts(store, wanted))
    scope = replace(Scope.of(scopes), dependence=False)
    if scope.trends and not proposed.trends:
        # the trends held bear on this proposal only through its scores that measure one of their quantities
        keys = trend_quantities(read(Scope(frozenset(), frozenset(), frozenset(), True, False, False)).trends)
        if not any(proposed.measured(s, keys) for s in proposed.scores):
            scope = replace(scope, trends=False)
    held = read(scope)
    # only the groups the proposal can meet: scores comparable with one of its scores, or of a model it compares
    keys = {comparable_key(score) for score in proposed.scores}
    pairs = {(c.benchmark, m) for c in proposed.comparisons for m in (c.model, c.other)}
    held.scores = [score for score in held.scores
                   if comparable_key(score) in keys or (score.benchmark, score.model) in pairs]
    facts = held.merge(proposed, replacing=mine)
    conflicts = detect(facts, tolerance, frozenset(mine))
    scratch.close()
    return conflicts, facts


def _resolved(store: Store, dependence: Dependence, proposed: set[str]) -> Dependence:
    """A dependence of a proposed claim, with its target looked up in the store (or among the proposal)."""
    if dependence.target in proposed:
        return replace(dependence, target_claim=dependence.target, exists=True)
    node = NamedNode(dependence.target)
    claim = next((q.object.value for q in store.match(node, CG.assertedBy, None)), None)
    is_claim = any(True for _ in store.match(node, RDF.type, CG.Claim))
    exists = is_claim or claim is not None
    return replace(dependence, target_claim=dependence.target if is_claim else claim, exists=exists)


def _date(value: Any, where: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InputError(f"{where}: expected a date YYYY-MM-DD, got {value!r}") from None


def _ref(name: Any, kind: str, lexicon: Lexicon, where: str) -> EntityRef:
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{where}: expected the name or IRI of a {kind.lower()}")
    name = " ".join(name.split())
    if re.match(r"^https?://\S+$", name):
        return EntityRef(name, kind, "known", _GIVEN, key=name)
    keys = lexicon.resolve(name)
    if len(keys) > 1:
        raise InputError(f"{where}: {name!r} is ambiguous ({', '.join(keys)}); give an IRI")
    if keys:
        return EntityRef(name, lexicon.kind(keys[0]) or kind, "known", _GIVEN, key=keys[0])
    return EntityRef(name, kind, "new", _GIVEN)


def _number(value: Any, where: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(f"{where}: expected a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InputError(f"{where}: expected a number, got {value!r}") from None
    if not number.is_finite():
        raise InputError(f"{where}: expected a finite number")
    return number


#: The fields of each kind of structured assertion (and its JSON-LD type).
_FIELDS = {"scores": ({"model", "benchmark", "value", "unit", "rank", "shots", "metric", "chain_of_thought", "judge",
                       "version", "harness", "superlative"}, "Score"),
           "comparisons": ({"model", "other", "direction", "benchmark", "domain"}, "Comparison"),
           "propositions": ({"about", "property", "polarity"}, "Proposition"),
           "trends": ({"x", "y", "sign"}, "Trend")}


def _list(assertions: dict[str, Any], name: str, where: str) -> list[dict[str, Any]]:
    items = assertions.get(name, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InputError(f"{where}.{name}: expected a list of objects")
    fields, kind = _FIELDS[name]
    for n, item in enumerate(items):
        unknown = set(item) - fields - {"@type", "@id"}
        if unknown:
            raise InputError(f"{where}.{name}[{n}]: unknown field(s) {', '.join(sorted(unknown))}; "
                             f"expected {', '.join(sorted(fields))}")
        if item.get("@type", kind) not in (kind, f"cg:{kind}", CG[kind].value):
            raise InputError(f"{where}.{name}[{n}].@type: expected {kind}")
    return items


def _extraction(assertions: Any, lexicon: Lexicon, where: str) -> tuple[Extraction, list[str]]:
    if not isinstance(assertions, dict):
        raise InputError(f"{where}: expected an object")
    unknown = set(assertions) - {"scores", "comparisons", "propositions", "trends", "depends_on"}
    if unknown:
        raise InputError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    scores, comparisons, propositions, trends = [], [], [], []
    for n, s in enumerate(_list(assertions, "scores", where)):
        at = f"{where}.scores[{n}]"
        rank = s.get("rank")
        if rank is not None and (isinstance(rank, bool) or not isinstance(rank, int) or rank < 1):
            raise InputError(f"{at}.rank: expected a whole number from 1")
        unit = s.get("unit")
        if unit not in (None, "percent", "fraction", "points"):
            raise InputError(f"{at}.unit: expected percent, fraction or points")
        shots = s.get("shots")
        if shots is not None and (isinstance(shots, bool) or not isinstance(shots, int) or shots < 0):
            raise InputError(f"{at}.shots: expected a whole number")
        metric = s.get("metric")
        metric_ref = _ref(metric, "Metric", lexicon, f"{at}.metric") if metric else None
        setting = Setting(shots=shots, chain_of_thought=s.get("chain_of_thought"), judge=s.get("judge"),
                          version=s.get("version"), harness=s.get("harness"))
        value = _number(s.get("value"), f"{at}.value")
        if value is None and rank is None:
            raise InputError(f"{at}: give a value, a rank or both")
        scores.append(ScoreAssertion(_ref(s.get("model"), "Model", lexicon, f"{at}.model"),
                                     _ref(s.get("benchmark"), "Benchmark", lexicon, f"{at}.benchmark"), _GIVEN,
                                     "given", 1.0, value=value, unit=unit,
                                     metric=metric if metric_ref and metric_ref.status == "new" else None,
                                     metric_ref=metric_ref if metric_ref and metric_ref.status == "known" else None,
                                     rank=rank, setting=setting, superlative=s.get("superlative")))
    for n, c in enumerate(_list(assertions, "comparisons", where)):
        at = f"{where}.comparisons[{n}]"
        if c.get("direction") not in ("better", "worse", "equal"):
            raise InputError(f"{at}.direction: expected better, worse or equal")
        benchmark = _ref(c["benchmark"], "Benchmark", lexicon, f"{at}.benchmark") if c.get("benchmark") else None
        comparisons.append(ComparisonAssertion(_ref(c.get("model"), "Model", lexicon, f"{at}.model"),
                                               _ref(c.get("other"), "Model", lexicon, f"{at}.other"),
                                               c["direction"], _GIVEN, "given", 1.0, benchmark=benchmark,
                                               domain=c.get("domain") if isinstance(c.get("domain"), str) else None))
    for n, p in enumerate(_list(assertions, "propositions", where)):
        at = f"{where}.propositions[{n}]"
        if p.get("polarity") not in ("positive", "negative") or not isinstance(p.get("property"), str):
            raise InputError(f"{at}: expected 'about', 'property' and 'polarity' (positive or negative)")
        propositions.append(Proposition(_ref(p.get("about"), "Method", lexicon, f"{at}.about"), p["property"],
                                        p["polarity"], _GIVEN, "given", 1.0))
    for n, t in enumerate(_list(assertions, "trends", where)):
        at = f"{where}.trends[{n}]"
        if t.get("sign") not in ("positive", "negative") or not all(isinstance(t.get(k), str) for k in "xy"):
            raise InputError(f"{at}: expected 'x', 'y' and 'sign' (positive or negative)")
        trends.append(Trend(t["x"], t["y"], t["sign"], _GIVEN, "given", 1.0))
    depends = assertions.get("depends_on", [])
    if not isinstance(depends, list) or not all(isinstance(d, str) and re.match(r"^https?://\S+$", d) for d in depends):
        raise InputError(f"{where}.depends_on: expected a list of IRIs")
    refs = [r for s in scores for r in (s.model, s.benchmark) if r] + \
           [r for c in comparisons for r in (c.subject, c.object, c.benchmark) if r] + [p.subject for p in propositions]
    entities = tuple(dict.fromkeys(refs))
    return Extraction(entities, tuple(scores), tuple(comparisons), (), tuple(propositions), tuple(trends)), depends
