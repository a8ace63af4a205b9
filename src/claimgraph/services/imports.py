"""Importing evaluation data: a leaderboard table, a model card's model-index, or JSON claims, as claims.

Each row of a table (each model of a model-index, each JSON claim) becomes a claim of stance ``evidence`` whose
scores are given, not guessed, and whose text says them in words ("Falcon-40B scores 52.7 on MMLU (5-shot)"), so
it is queried, conflict-checked and shown like any dossier claim. The claims of one file retrieved on one date
form a dossier (several, of ``PART_ROWS`` rows each, for a long table) at ``/source/<source>/<date>``: the source
URL, the retrieval date and the file's SHA-256 are its metadata, and each claim's provenance names its row.

* Re-importing the same file for the same date changes nothing (the same dossiers, unchanged).
* A snapshot of the same source on a later date is a dossier of its own: the older values stay queryable with
  their dates, and each older claim about a model the new snapshot covers is marked ``dcterms:isReplacedBy`` the
  new one, so that it no longer takes part in conflicts.
* Models are resolved against the vocabulary by label and spelling (``Qwen/Qwen2.5-72B-Instruct`` is
  ``Qwen2.5-72B-Instruct``); a name that could be several entities is kept apart, as a new entity for review, and
  reported, never merged.
* A malformed file (a ragged row, a non-numeric score, invalid JSON or YAML) is refused with its line or field, and
  nothing of it is written.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from pyoxigraph import Literal

from claimgraph.errors import InputError, UsageError
from claimgraph.extract.assertions import EntityRef, Extraction, ScoreAssertion, Span
from claimgraph.extract.mentions import Lexicon
from claimgraph.extract.records import ClaimRecord, DossierRecord, ProvenanceEntry
from claimgraph.extract.tables import TABLE_SUFFIXES, Result, ResultRow, read_model_index, read_table
from claimgraph.model import iris
from claimgraph.model.extraction import entity_node
from claimgraph.namespaces import PREFIXES
from claimgraph.services.conflicts.check import claims_from_json
from claimgraph.store import Store

__all__ = ["ImportPlan", "plan_import", "plan_json_claims", "FORMATS", "PART_ROWS", "source_path"]

FORMATS = ("table", "model-index", "json")
PART_ROWS = 500


@dataclass
class ImportPlan:
    records: Iterable[DossierRecord]  # made as they are consumed (a table's parts), afresh on each iteration
    rows: int
    results: int
    notes: list[str] = field(default_factory=list)  # ambiguous names and the like, for review
    parts: int = 1  # dossiers the records make


def source_path(source: str, when: date) -> str:
    """The canonical path of a source's snapshot: /source/<slug of the URL>/<date>."""
    slug = iris.slugify(re.sub(r"^[a-z]+://", "", source))[:80].strip("-") or "source"
    return f"/source/{slug}/{when.isoformat()}"


def _format_of(path: Path, data: bytes, fmt: str | None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise UsageError(f"unknown import format {fmt!r}; expected one of {', '.join(FORMATS)}")
        return fmt
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return "table"
    if suffix in (".yaml", ".yml") or data.lstrip().startswith(b"---") or b"model-index:" in data[:65536]:
        return "model-index"
    if suffix in (".json", ".jsonld") or data.lstrip()[:1] in (b"{", b"["):
        return "json"
    raise UsageError(f"{path}: cannot tell what this file is; give --format table, model-index or json")


class _Resolver:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.notes: dict[str, str] = {}

    def ref(self, name: str, kind: str, span: Span) -> EntityRef:
        keys = self.lexicon.resolve(name)
        if len(keys) > 1:
            self.notes[name] = f"{name!r} could be {', '.join(keys)}: kept apart as a new entity, for review"
            return EntityRef(name, kind, "new", span)
        if keys:
            return EntityRef(name, self.lexicon.kind(keys[0]) or kind, "known", span, key=keys[0])
        return EntityRef(name, kind, "new", span)


def _setting_words(result: Result) -> str:
    parts = []
    s = result.setting
    if s.shots is not None:
        parts.append(f"{s.shots}-shot")
    if s.chain_of_thought:
        parts.append("CoT")
    if s.judge:
        parts.append(f"judge: {s.judge}")
    if s.version:
        parts.append(f"version {s.version}")
    if s.harness:
        parts.append(s.harness)
    parts += list(s.other)
    return f" ({', '.join(parts)})" if parts else ""


def _claim(position: int, row: ResultRow, resolver: _Resolver, when: date, note: str) -> ClaimRecord:
    """One row as a claim: its words, and its scores with the span of the words each was written in."""
    text = row.model + " scores "
    model_ref = resolver.ref(row.model, "Model", Span(0, len(row.model), row.model))
    refs: list[EntityRef] = [model_ref]
    scores = []
    for n, result in enumerate(row.results):
        if n:
            text += ", " if n < len(row.results) - 1 else " and "
        start = len(text)
        value = format(result.value, "f") + ("%" if result.unit == "percent" else "")
        metric = f" {result.metric}" if result.metric else ""
        text += f"{value}{metric} on "
        b_start = len(text)
        text += result.benchmark
        b_end = len(text)
        text += _setting_words(result)
        span = Span(start, len(text), text[start:])
        bench = resolver.ref(result.benchmark, "Benchmark", Span(b_start, b_end, result.benchmark))
        refs.append(bench)
        scores.append(ScoreAssertion(model_ref, bench, span, "imported", 1.0, value=result.value, unit=result.unit,
                                     metric=result.metric, setting=result.setting))
    text += "."
    entities = tuple({(r.surface, r.span.start): r for r in refs}.values())
    history = (ProvenanceEntry(when, "asserted as evidence", "asserted", "evidence", note, 0),)
    return ClaimRecord(position, "evidence", text, row.line, history, given=Extraction(entities, tuple(scores)))


def _render(title: str, source: str, when: date, digest: str, path: str, claims: list[ClaimRecord]) -> str:
    """The dossier's text in the seed's format: what the revisions graph keeps, and what a reader can re-ingest."""
    lines = [f"# {title}", "", f"> Imported by **claimgraph** from {source} (SHA-256 of the file: {digest}).", "",
             "- **status:** imported  ·  **importance:** 5/10",
             f"- **created:** {when.isoformat()}  ·  **last tended:** {when.isoformat()}",
             f"- **canonical:** {path}", f"- **source:** {source}", "", "## Claims", ""]
    for claim in claims:
        entry = claim.history[0]
        lines += [f"### [evidence] {claim.text}", "", "**Provenance history** (how this claim ripened):",
                  f"- `{entry.date.isoformat()}` **asserted as evidence** — {entry.note}", ""]
    return "\n".join(lines)


def _chunks(rows: Iterable[ResultRow], size: int) -> Iterator[list[ResultRow]]:
    chunk: list[ResultRow] = []
    for row in rows:
        if row.results:
            chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def plan_import(path: Path, *, source: str, when: date, lexicon: Lexicon, mapping: dict[str, Any] | None = None,
                fmt: str | None = None, store: Store | None = None, part_rows: int = PART_ROWS) -> ImportPlan:
    """Read a file and plan its dossiers. The whole file is read (and refused at its first bad line) before the
    plan is returned; a table's records are then made part by part as they are consumed, so that a large table
    is imported in bounded memory."""
    if not re.match(r"^[a-z][a-z0-9+.-]*:\S+$", source, re.IGNORECASE):
        raise UsageError(f"--source must be the URL (or URI) the data came from, got {source!r}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    kind = _format_of(path, data, fmt)
    base = source_path(source, when)
    if kind == "json":
        try:
            parsed = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            where = f":{exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
            raise InputError(f"{path}{where}: not valid JSON: {getattr(exc, 'msg', exc)}") from None
        return plan_json_claims(parsed, source=source, when=when, lexicon=lexicon, name=str(path), digest=digest,
                                canonical=base)

    def rows() -> Iterator[ResultRow]:
        if kind == "model-index":
            return iter(read_model_index(data, source=str(path)))
        return read_table(data, source=str(path), mapping=mapping)

    resolver = _Resolver(lexicon)
    total_rows = total_results = 0
    for row in rows():  # the first pass: every line checked, nothing kept
        if row.results:
            total_rows += 1
            total_results += len(row.results)
            resolver.ref(row.model, "Model", Span(0, len(row.model), row.model))
    if not total_rows:
        raise InputError(f"{path}: no results to import (every score cell is empty)")
    replaced = _earlier(store, source, when) if store is not None else {}

    def records() -> Iterator[DossierRecord]:
        for part, chunk in enumerate(_chunks(rows(), part_rows), start=1):
            claims = []
            for position, row in enumerate(chunk, start=1):
                where = f"row {row.line}" if kind == "table" else f"model {row.model!r}"
                urls = sorted({r.source_url for r in row.results if r.source_url})
                note = f"Imported from {source} ({path.name}, {where}, SHA-256 {digest[:16]}…)" + \
                       (f"; results cite {', '.join(urls)}" if urls else "") + "."
                claim = _claim(position, row, resolver, when, note)
                node = entity_node(claim.given.scores[0].model) if claim.given and claim.given.scores else None
                earlier = tuple(sorted(replaced.get(node.value, ()))) if node is not None else ()
                claims.append(replace(claim, replaces=earlier))
            canonical = base if part == 1 else f"{base}/part-{part}"
            title = f"{source} as retrieved on {when.isoformat()}" + (f", part {part}" if part > 1 else "")
            text = _render(title, source, when, digest, canonical, claims)
            yield DossierRecord(str(path), text, hashlib.sha256(text.encode()).hexdigest(), title, created=when,
                                last_tended=when, canonical_path=canonical, claims=tuple(claims),
                                extra_metadata=(("source", source), ("sha256", digest)))

    return ImportPlan(_Again(records), total_rows, total_results, sorted(resolver.notes.values()),
                      parts=-(-total_rows // part_rows))


class _Again:
    """An iterable made afresh each time it is iterated: an import reads its parts twice (validated, then
    written) without holding them all."""

    def __init__(self, make: Callable[[], Iterator[DossierRecord]]) -> None:
        self.make = make

    def __iter__(self) -> Iterator[DossierRecord]:
        return self.make()


def plan_json_claims(data: Any, *, source: str, when: date, lexicon: Lexicon, name: str = "<posted claims>",
                     digest: str | None = None, canonical: str | None = None) -> ImportPlan:
    """JSON claims (the form ``claimgraph check`` takes, see :mod:`claimgraph.services.conflicts.check`) as one
    dossier. Posted claims get a dossier of their own, named by their content: posting the same claims twice
    changes nothing, and different posts never replace each other."""
    body = json.dumps(data, sort_keys=True, default=str).encode("utf-8")
    digest = digest or hashlib.sha256(body).hexdigest()
    canonical = canonical or f"/claims/{digest[:20]}"
    claims = claims_from_json(data, lexicon, when, note=f"Imported from {source} ({Path(name).name}, "
                                                        f"SHA-256 {digest[:16]}…).")
    title = f"Claims from {source} ({when.isoformat()})"
    text = _render(title, source, when, digest, canonical, claims)
    record = DossierRecord(name, text, hashlib.sha256(text.encode()).hexdigest(), title, created=when,
                           last_tended=when, canonical_path=canonical, claims=tuple(claims),
                           extra_metadata=(("source", source), ("sha256", digest)))
    return ImportPlan([record], len(claims), sum(len(c.given.scores) if c.given else 0 for c in claims))


def _earlier(store: Store, source: str, when: date) -> dict[str, set[str]]:
    """The claims of the latest earlier snapshot of this source, by the model they score."""
    prefix = source_path(source, when).rsplit("/", 1)[0] + "/"
    rows = list(store.query(
        "SELECT ?prefix ?path ?claim ?model WHERE { ?d cg:canonicalPath ?path . FILTER(STRSTARTS(?path, ?prefix)) "
        "?claim cg:inDossier ?d . ?s cg:assertedBy ?claim ; cg:model ?model }",
        substitutions={"prefix": Literal(prefix)}, prefixes=PREFIXES))  # type: ignore[union-attr]
    earlier: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        day = r["path"].value[len(prefix):].split("/", 1)[0]  # type: ignore[index]
        if day < when.isoformat():
            earlier.setdefault(day, []).append((r["model"].value, r["claim"].value))  # type: ignore[index]
    by_model: dict[str, set[str]] = {}
    for model, claim in earlier[max(earlier)] if earlier else []:
        by_model.setdefault(model, set()).add(claim)
    return by_model
