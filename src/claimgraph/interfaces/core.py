"""The one object every interface uses: a store opened from settings, with the shipped ontology,
vocabulary and shapes. The CLI, the HTTP app and the tests all go through it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from claimgraph.config import MEMORY, Settings
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
from claimgraph.services.conflicts import kept as conflicts_kept
from claimgraph.services.conflicts.check import check as check_proposal
from claimgraph.services.conflicts.facts import FactCache
from claimgraph.services.imports import ImportPlan, plan_import
from claimgraph.services.ingest import IngestResult, Ingestor
from claimgraph.services.stats import Stats, stats
from claimgraph.services.validate import validate_files, validate_store
from claimgraph.store import OxigraphStore, Store, kept, open_store
from claimgraph.store.oxigraph import folder_stamp

__all__ = ["Claimgraph", "in_background"]

T = TypeVar("T")
_LOG = logging.getLogger("claimgraph")
_VIEWS = "views"  # what the read models of :meth:`Claimgraph.memo` are kept as

#: Seconds past which a read model (:meth:`Claimgraph.memo`) is sent as it was while it is made again after a write.
SLOW_VIEW = 1.0

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
        self._memo: dict[str, tuple[int, Any]] = {}  # read models by name, with the generation each is for
        self._making: dict[str, threading.Lock] = {}  # held while one is being made
        self._took: dict[str, float] = {}  # seconds each took to make, the last time
        # a server's (see prepare_conflicts): the store's folder, where what it derived is kept when it closes, and
        # the folder's stamp the facts it started from were kept for
        self._keeps: Path | None = None
        self._facts_kept_for: str | None = None

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """``build()``, remembered (see :meth:`memo_of`)."""
        return self.memo_of(key, build)[0]

    def memo_of(self, key: str, build: Callable[[], T], *, stale: bool = True) -> tuple[T, int]:
        """``build()`` and the store generation it was made for, remembered until the store is next written (for
        read models that many requests share: the home page, the graph explorer's options). Made once at a time:
        callers that come while it is being made wait for it. After a write, one whose last making took more than
        :data:`SLOW_VIEW` seconds (the home page of a million claims takes a minute) is returned as it was, with
        the generation it was made for, while it is made again in the background. A server keeps them in the
        store's folder when it closes, and the next one takes them from there while nothing has written the store
        (:mod:`claimgraph.store.kept`): a value is made of JSON's values. With ``stale`` false, never returned as it
        was before the last write: made now, however long that takes."""
        generation = self.store.generation
        hit = self._memo.get(key)
        if hit is not None and hit[0] == generation:
            return hit[1], generation
        if generation == 0 and key in (kept_views := self._kept_views)["values"]:  # nothing written since opened
            self._memo[key] = (0, kept_views["values"][key])
            self._took.setdefault(key, kept_views["took"].get(key, 0.0))
            return kept_views["values"][key], 0
        making = self._making.setdefault(key, threading.Lock())
        if stale and hit is not None and self._took.get(key, 0.0) > SLOW_VIEW:
            if making.acquire(blocking=False):
                threading.Thread(target=self._remake, args=(key, build, making), name=f"claimgraph-{key}",
                                 daemon=True).start()
            return hit[1], hit[0]
        with making:
            hit = self._memo.get(key)  # made by the caller this one waited for
            if hit is not None and hit[0] == self.store.generation:
                return hit[1], hit[0]
            return self._make(key, build)

    def memo_current(self, key: str, build: Callable[[], T]) -> T:
        """``build()`` remembered as :meth:`memo_of` remembers it, but never as it was before the last write (for
        what other read models are made from, which would otherwise call themselves current while holding part of
        an older store)."""
        return self.memo_of(key, build, stale=False)[0]

    def _make(self, key: str, build: Callable[[], T]) -> tuple[T, int]:
        generation, started = self.store.generation, time.perf_counter()
        value = build()
        self._took[key] = time.perf_counter() - started
        self._memo[key] = (generation, value)
        return value, generation

    def _remake(self, key: str, build: Callable[[], object], making: threading.Lock) -> None:
        try:
            self._make(key, build)
        except Exception as exc:  # noqa: BLE001 - the next request makes it again, and reports the error
            _LOG.warning("could not make %s again: %s", key, exc)
        finally:
            making.release()

    @cached_property
    def _kept_views(self) -> dict[str, Any]:
        """What the last server on this store kept of :meth:`memo`'s read models: ``values`` and the seconds each
        ``took`` to make, by name (none when it is not for the store as it was opened)."""
        store, none = self.store, {"values": {}, "took": {}}
        if not isinstance(store, OxigraphStore) or store.location == MEMORY or not store.opened_stamp:
            return none
        try:
            views = list(kept.read(Path(store.location), _VIEWS, store.opened_stamp) or [])
        except ValueError as exc:
            _LOG.warning("ignored the pages' read models kept in %s: %s", store.location, exc)
            return none
        if len(views) != 1 or not isinstance(views[0], dict) or not isinstance(views[0].get("values"), dict) \
                or not isinstance(views[0].get("took"), dict):
            return none
        took = {key: float(t) for key, t in views[0]["took"].items() if isinstance(t, (int, float))}
        return {"values": views[0]["values"], "took": took}

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
        # a few parts at a time, every part mapped (and validated) before the first is written, with SHACL or
        # without, the conflicts brought up to date once at the end: memory stays bounded and time linear however
        # long the table; a table of several parts is written through the bulk loader (a crash half-way is
        # repaired by importing it again)
        several = plan.parts > 1
        results, _ = ingestor.ingest_batches(_Batches(plan.records, IMPORT_BATCH), validate_first=several,
                                             bulk=several)
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
        """Make the conflicts current and read their facts into memory (a server does it as it starts). On disk,
        the facts are read from the file the last server on this store kept them in, if nothing has written the
        store since, and kept there again when this one closes (see :mod:`~claimgraph.services.conflicts.kept`)."""
        try:
            self.conflicts.ensure_current()
            store, facts = self.store, None
            if isinstance(store, OxigraphStore) and store.location != MEMORY:
                self._keeps = Path(store.location)
                if store.opened_stamp and store.generation == 0:  # nothing written since it was opened
                    facts = _kept_facts(self._keeps, store.opened_stamp)
                    self._facts_kept_for = store.opened_stamp if facts is not None else None
            self.conflicts.warm(facts)
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

    def export_graph(self, fmt: str, where: GraphFilter | None = None, *, max_nodes: int | None = analytics.MAX_NODES,
                     output: BinaryIO | None = None) -> bytes | None:
        """The claims graph (or a neighbourhood of it) in a graph tool's format, written to ``output`` as it goes
        or returned; past ``max_nodes`` nodes a UsageError (``None``: no bound, for a file). The whole graph, for
        a file, is written as its links are read, never held (``analytics.write_whole_graph``)."""
        if output is not None and max_nodes is None and analytics.is_whole(where):
            analytics.write_whole_graph(self.store, fmt, output)
            return None
        return analytics.write_graph(analytics.build_graph(self.store, where, max_nodes=max_nodes), fmt, output)

    def stats(self) -> Stats:
        return stats(self.store)

    def close(self) -> None:
        folder, generation = self._keeps, self.store.generation
        facts = self.conflicts.whole_cache() if folder is not None else None
        views = {key: value for key, (made, value) in list(self._memo.items()) if made == generation}
        took = {key: self._took.get(key, 0.0) for key in views}
        self.store.close()
        if folder is not None:
            # started from kept facts and wrote nothing: the file holds these facts already
            unchanged = self._facts_kept_for if generation == 0 else None
            _keep(folder, facts, {"values": views, "took": took} if views else {}, unchanged)


def _kept_facts(folder: Path, stamp: str) -> FactSet | None:
    started = time.perf_counter()
    facts = conflicts_kept.read(folder, stamp)
    if facts is not None:
        _LOG.info("read the conflicts' facts kept by the last run (%d statements) in %.1f s",
                  len(facts.scores) + len(facts.comparisons) + len(facts.propositions) + len(facts.trends),
                  time.perf_counter() - started)
    return facts


def _keep(folder: Path, facts: FactCache | None, views: dict[str, Any], unchanged: str | None = None) -> None:
    """Keep ``facts`` (every fact of the store, as it is now that it is closed) and ``views`` (the read models made
    since its last write, and the seconds each took) in its folder for the next server to start on it; what is not
    there now is removed: what an earlier run kept no longer describes the store. ``unchanged``: the stamp the facts
    file was kept for, when it holds these facts (the file is then only stamped anew: seconds at 1M claims)."""
    try:
        stamp = folder_stamp(folder)
        if facts is None:
            conflicts_kept.remove(folder)
        elif unchanged is None or not conflicts_kept.restamp(folder, unchanged, stamp):
            _timed("the conflicts' facts", lambda: conflicts_kept.write(folder, stamp, facts))
        if not views:
            kept.remove(folder, _VIEWS)
        else:
            _timed("the pages' read models", lambda: kept.write(folder, _VIEWS, stamp, [views]))
    except Exception as exc:  # noqa: BLE001 - a head start for the next run only: never a failed stop
        _LOG.warning("could not keep what this server derived from the store for the next start (it will derive "
                     "it again): %s", exc)


def _timed(what: str, write: Callable[[], Path]) -> None:
    started = time.perf_counter()
    path = write()
    _LOG.info("kept %s for the next start (%.1f MB) in %.1f s", what, path.stat().st_size / 1e6,
              time.perf_counter() - started)


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
