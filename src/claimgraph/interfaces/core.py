"""The one object every interface uses: a store opened from settings, with the shipped ontology,
vocabulary and shapes. The CLI, the HTTP app and the tests all go through it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from claimgraph.config import Settings
from pyoxigraph import Literal

from claimgraph.errors import ClaimgraphError, UsageError
from claimgraph.namespaces import PREFIXES
from claimgraph.extract import DossierRecord
from claimgraph.model import ValidationReport, Validator, Vocabulary, load_vocabulary
from claimgraph.services import analytics
from claimgraph.services import export as export_service
from claimgraph.services.analytics import GraphFilter
from claimgraph.services import sparql
from claimgraph.services.conflicts import (Conflict, ConflictFilter, ConflictIndex, FactSet, Tolerance,
                                          proposal_from_json, proposal_from_text)
from claimgraph.services.conflicts.check import check as check_proposal
from claimgraph.services.imports import ImportPlan, plan_import
from claimgraph.services.ingest import IngestResult, Ingestor
from claimgraph.services.stats import Stats, stats
from claimgraph.services.validate import validate_files, validate_store
from claimgraph.store import Store, open_store

__all__ = ["Claimgraph", "in_background"]

T = TypeVar("T")

#: Dossier parts (of 500 rows each) an import writes per ingest.
IMPORT_BATCH = 4


def in_background(work: Callable[[], object], name: str) -> threading.Event:
    """Run ``work`` (a server's start-up work) in a daemon thread; the event is set once it has ended, however it
    ended (a failure is logged: what needs it later reports the error)."""
    done = threading.Event()

    def run() -> None:
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - a head start only
            logging.getLogger("claimgraph").warning("%s failed: %s", name, exc)
        finally:
            done.set()

    threading.Thread(target=run, name=name, daemon=True).start()
    return done


class Claimgraph:
    """claimgraph over one store. Use as a context manager, or call :meth:`close`."""

    def __init__(self, settings: Settings | None = None, store: Store | None = None, *, create: bool = True) -> None:
        self.settings = settings or Settings.from_env()
        self.store = store if store is not None else open_store(self.settings.store, create=create,
                                                                remote=self.settings.remote)
        self._memo: dict[str, tuple[int, Any]] = {}

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """``build()``, remembered until the store is next written (for read models that many requests share:
        the home page, the explorer's filter options)."""
        generation = self.store.generation
        hit = self._memo.get(key)
        if hit is not None and hit[0] == generation:
            return hit[1]  # type: ignore[no-any-return]
        value = build()
        self._memo[key] = (generation, value)
        return value

    def __enter__(self) -> "Claimgraph":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @cached_property
    def vocabulary(self) -> Vocabulary:
        return load_vocabulary()

    @cached_property
    def validator(self) -> Validator:
        return Validator()

    def ingest(self, paths: Iterable[str | Path], *, keep_going: bool = False, validate: bool = True,
               progress: Callable[[IngestResult, int, int], None] | None = None,
               ) -> tuple[list[IngestResult], list[ClaimgraphError]]:
        ingestor = Ingestor(self.store, self.vocabulary, self.validator if validate else None, self.conflicts)
        return ingestor.ingest_paths(paths, keep_going=keep_going, progress=progress)

    def ingest_records(self, records: list[DossierRecord], *, validate: bool = True) -> list[IngestResult]:
        """Ingest already-parsed dossiers (for example one received over HTTP)."""
        results, _ = Ingestor(self.store, self.vocabulary, self.validator if validate else None,
                              self.conflicts).ingest_records(records)
        return results

    def import_file(self, path: Path, *, source: str, when: date | None = None, mapping: dict[str, Any] | None = None,
                    fmt: str | None = None, validate: bool = True) -> tuple[ImportPlan, list[IngestResult]]:
        """Import a table, a model-index or JSON claims as claims (see :mod:`claimgraph.services.imports`):
        all of the file or none of it."""
        plan = plan_import(Path(path), source=source, when=when or date.today(), lexicon=self.vocabulary.lexicon,
                           mapping=mapping, fmt=fmt, store=self.store)
        ingestor = Ingestor(self.store, self.vocabulary, self.validator if validate else None, self.conflicts)
        # a few parts at a time, every part validated before the first is written, the conflicts brought up to
        # date once at the end: memory stays bounded and time linear however long the table; a table of several
        # parts is written through the bulk loader (a crash half-way is repaired by importing it again)
        results, _ = ingestor.ingest_batches(_Batches(plan.records, IMPORT_BATCH), validate_first=validate,
                                             bulk=plan.parts > 1)
        return plan, results

    @cached_property
    def conflicts(self) -> ConflictIndex:
        return ConflictIndex(self.store, Tolerance.of(self.settings.score_tolerance,
                                                      self.settings.score_relative_tolerance))

    def list_conflicts(self, where: ConflictFilter | None = None, *, recompute: bool = False,
                       ) -> tuple[list[Conflict], FactSet]:
        """The conflicts the graph holds (recomputed first if asked, or if they are not current), and the
        facts that explain them."""
        if recompute:
            with self.store.write_lock:
                self.conflicts.recompute()
        else:
            self.conflicts.ensure_current()
        found = self.conflicts.conflicts(where)
        return found, self.conflicts.evidence_facts(found)

    def prepare_conflicts(self) -> None:
        """Make the conflicts current and read their facts into memory (a server does it as it starts)."""
        try:
            self.conflicts.ensure_current()
            self.conflicts.warm()
        except Exception:  # noqa: BLE001 - a head start only: the first request that needs them reports any error
            pass

    def invalidate_conflicts(self) -> None:
        """Before a raw write (a SPARQL update, a Graph Store write): the conflicts graph will be recomputed
        from scratch when it is next read, since such a write may change anything."""
        with self.store.write_lock:
            self.conflicts.invalidate()

    def resolve_entity(self, name: str) -> str:
        """An entity's IRI from its IRI or any label or spelling the vocabulary or the graph knows."""
        name = " ".join(name.split())
        if name.startswith(("http://", "https://")):
            return name
        keys = self.vocabulary.lexicon.resolve(name)
        if len(keys) == 1:
            return keys[0]
        rows = list(self.store.query("SELECT DISTINCT ?e ?l WHERE { ?e rdfs:label|skos:prefLabel|skos:altLabel ?l }",
                                     substitutions={"l": Literal(name)}, prefixes=PREFIXES))  # type: ignore[union-attr]
        if len(rows) == 1:
            return rows[0]["e"].value  # type: ignore[index]
        if len(rows) > 1:
            raise UsageError(f"{name!r} names several entities ({', '.join(r['e'].value for r in rows)}); give an IRI")  # type: ignore[index]
        raise UsageError(f"no entity is called {name!r}; give its IRI or a label the graph knows")

    def check(self, proposal: str | Any, *, today: date | None = None) -> tuple[list[Conflict], FactSet]:
        """The conflicts a proposal (Markdown text, or parsed JSON) would create; writes nothing."""
        today = today or date.today()
        lexicon = self.vocabulary.lexicon
        parsed = proposal_from_text(proposal, lexicon, today) if isinstance(proposal, str) else \
            proposal_from_json(proposal, lexicon, today)
        self.conflicts.ensure_current()
        return check_proposal(self.store, parsed, self.conflicts.tolerance, self.conflicts.held_facts)

    def query(self, sparql_text: str, output: BinaryIO, fmt: str = "table") -> None:
        sparql.run_query(self.store, sparql_text, output, fmt)

    def validate(self, paths: Iterable[str | Path] | None = None) -> ValidationReport:
        paths = list(paths or [])
        if paths:
            return validate_files(paths, self.validator, self.vocabulary)
        return validate_store(self.store, self.validator)

    def export(self, output: BinaryIO, fmt: str = "nquads", dossier: str | None = None) -> None:
        export_service.export(self.store, output, fmt, dossier)

    def export_graph(self, fmt: str, where: GraphFilter | None = None, *,
                     max_nodes: int | None = analytics.MAX_NODES) -> bytes:
        """The claims graph (or a neighbourhood of it) in a graph tool's format; past ``max_nodes`` nodes a
        UsageError (``None``: no bound, for a file)."""
        return analytics.write_graph(analytics.build_graph(self.store, where, max_nodes=max_nodes), fmt)

    def stats(self) -> Stats:
        return stats(self.store)

    def close(self) -> None:
        self.store.close()


class _Batches:
    """``records`` in lists of ``size``, afresh on each iteration."""

    def __init__(self, records: Iterable[DossierRecord], size: int) -> None:
        self.records, self.size = records, size

    def __iter__(self) -> Iterator[list[DossierRecord]]:
        batch: list[DossierRecord] = []
        for record in self.records:
            batch.append(record)
            if len(batch) >= self.size:
                yield batch
                batch = []
        if batch:
            yield batch
