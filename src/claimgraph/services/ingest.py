"""Ingest: dossier files → parsed → mapped → validated → written, each dossier in one transaction.

For each dossier the store ends in one of these states:

* ``added``: it was not in the store; its graphs and its first revision are written;
* ``revised``: its text changed; its graphs are replaced, and the new revision records
  ``prov:wasRevisionOf`` the old one, whose full source text stays in the revisions graph;
* ``remapped``: same text, but claimgraph maps it differently now (a newer vocabulary or mapping);
  its graphs are replaced, no new revision;
* ``unchanged``: nothing is written.

A batch is parsed and validated whole before anything is written: one malformed file stops the batch
(unless ``keep_going``), so scripts never see a half-ingested folder. A folder of more than ``INGEST_BATCH``
dossiers is read whole first to check it, then read again and planned (mapped, validated) a batch at a time, each
planned batch kept in a spool on disk as compressed N-Quads; only when every batch has passed are they written, a
batch at a time from the spool (memory holds one batch, whatever the folder's size; each dossier is mapped once;
a file changed before its batch is planned stops the ingest before any write, one changed later is written as it
was read). New dossiers go through the store's bulk loader: faster, but a process killed half-way leaves the
dossiers written so far and perhaps a torn one, which running the same ingest again replaces (a dossier counts as
written only once its own graph, written last in a transaction, names its current revision).
"""

from __future__ import annotations

import io
import multiprocessing
import os
import pickle
import shutil
import tempfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, Quad, RdfFormat, serialize

from claimgraph.errors import ClaimgraphError, InputError, ManyErrors, ValidationError
from claimgraph.extract import DossierRecord, Lexicon, read_dossier
from claimgraph.model import Validator, Vocabulary, iris, map_dossier, revision_quads
from claimgraph.namespaces import CG, DCTERMS, PROV
from claimgraph.services.conflicts import ConflictIndex, scopes_of_quads
from claimgraph.services.conflicts.facts import FactSet, facts_of_quads
from claimgraph.services.conflicts.index import Change
from claimgraph.store import Store
from claimgraph.store.base import nquads

__all__ = ["IngestResult", "Ingestor", "dossier_files", "DOSSIER_SUFFIXES"]

DOSSIER_SUFFIXES = (".md", ".markdown", ".txt")
_VALIDATION_CHUNK = 25  # dossiers per SHACL run
_FOLLOW_GRAPHS = 5_000  # graphs written beyond which the conflicts re-read their scopes from the store
# statements whose facts an ingest holds for the conflicts, beyond which it lets them go and the conflicts re-read
# the scopes it touched from the store (some 0.5 KB a statement: memory stays bounded however large the input)
_FACTS_HELD = 2_000_000
#: Dossiers an ingest of many files plans and writes at a time (a larger folder goes in batches).
INGEST_BATCH = 250
#: Processes that map a large folder's batches (one a CPU, at most 4) while this one reads the store.
MAPPERS = min(4, os.cpu_count() or 1)
_READ_SIZE = 1 << 20  # what the bulk loader reads of the spool at a time
_AHEAD_BYTES = 4 << 20  # compressed spool decompressed ahead of the loader (N-Quads compress about 10:1)


@dataclass(frozen=True)
class IngestResult:
    source: str
    dossier: str
    status: str  # added | revised | remapped | unchanged
    claims: int
    quads: int  # quads the dossier's graphs hold after the ingest


@dataclass
class _Plan:
    source: str
    claims: int
    dossier: NamedNode
    status: str
    remove: list[NamedNode]
    quads: list[Quad]  # the dossier's own graphs, replaced
    shared: list[Quad]  # its authors, added to the shared agents graph
    revision: list[Quad] = field(default_factory=list)


@dataclass(frozen=True)
class _Prepared:
    """What the store says of a dossier before it is mapped: its IRI, its revisions, the graphs it holds.
    ``status`` is 'unchanged' when the store holds this text (unchanged or remapped, once the quads are compared)."""

    dossier: NamedNode
    status: str
    revision: NamedNode
    previous: NamedNode | None
    remove: list[NamedNode]


def _build(record: DossierRecord, prepared: _Prepared, lexicon: Lexicon, now: datetime) -> _Plan:
    """The plan of ``record``: its quads mapped, its revision's quads when it is new or revised."""
    mapped = map_dossier(record, lexicon, prepared.revision, prepared.previous)
    extra = (revision_quads(record, prepared.dossier, prepared.revision, prepared.previous, now)
             if prepared.status in ("added", "revised") else [])
    return _Plan(record.source, len(record.claims), prepared.dossier, prepared.status, prepared.remove,
                 list(mapped.quads), list(mapped.shared), extra)


@dataclass
class _Write:
    """What one plan writes, in the form the writing pass needs: its quads as objects, or — taken back from the
    spool — as N-Quads (bytes) that the bulk loader reads without a Python object per quad."""

    result: IngestResult
    remove: list[NamedNode]
    scopes: set[str]  # the conflict scopes of its own quads (those of what it removes are read when it writes)
    graphs: list[NamedNode]  # the graphs it writes
    superseded: set[str]  # the claims its claims say they supersede
    own: list[Quad] | bytes  # its graphs but the dossier's own graph
    last: list[Quad] | bytes  # the dossier's own graph (the mark of a finished write), its authors, its revision

    @classmethod
    def of(cls, plan: _Plan) -> _Write:
        result = IngestResult(plan.source, plan.dossier.value, plan.status, plan.claims, len(plan.quads))
        if plan.status == "unchanged":
            return cls.nothing(result)
        mark, replaced = iris.dossier_graph(plan.dossier), DCTERMS.isReplacedBy
        graphs: dict[NamedNode, None] = {}
        own: list[Quad] = []
        marked: list[Quad] = []
        superseded = set()
        for q in plan.quads:  # one pass: a quad's terms are made anew each time they are read
            graph = q.graph_name
            graphs[graph] = None  # type: ignore[index]
            (marked if graph == mark else own).append(q)
            if q.predicate == replaced:
                superseded.add(q.subject.value)
        return cls(result, plan.remove, scopes_of_quads(plan.quads), list(graphs), superseded, own,
                   marked + plan.shared + plan.revision)

    @classmethod
    def nothing(cls, result: IngestResult) -> _Write:
        """The write of a dossier the store holds as it is: none."""
        return cls(result, [], set(), [], set(), [], [])

    def spooled(self) -> _Write:
        """The same write with its quads as compressed N-Quads (~10 bytes a quad), to be kept on disk."""
        return _Write(self.result, self.remove, self.scopes, self.graphs, self.superseded,
                      _pack(self.own), _pack(self.last))


def _marks(writes: Sequence[_Write], new: list[int]) -> bytes:
    """What marks the new dossiers ``new`` of ``writes`` as written, once the bulk loader has written the rest,
    as N-Quads: each one's own graph (it names its current revision), its revision and its authors; each quad
    once (the entities and agents that many dossiers name are in each one's)."""
    lines = dict.fromkeys(line for i in new for line in _nquads(writes[i].last).split(b"\n") if line)
    return b"\n".join(lines) + b"\n" if lines else b""


def _ahead(items: Iterable[bytes], work: Callable[[bytes], bytes], depth: int = 64,
           budget: int = _AHEAD_BYTES) -> Iterator[bytes]:
    """``work`` done on each of ``items``, in order, in a thread of its own, fewer than ``depth`` items ahead of
    the reader and no new item taken while those ahead hold ``budget`` bytes or more: zlib releases the GIL, so
    the spool is decompressed while the bulk loader parses (which leaves part of the second core idle). The budget
    keeps memory bounded where items are large (a part of an import decompresses to some 30 MB)."""
    with ThreadPoolExecutor(1) as pool:
        pending: deque[tuple[int, Future[bytes]]] = deque()
        held = 0
        for item in items:
            pending.append((len(item), pool.submit(work, item)))
            held += len(item)
            while pending and (len(pending) >= depth or held >= budget):
                size, done = pending.popleft()
                held -= size
                yield done.result()
        while pending:
            yield pending.popleft()[1].result()


class _Chunks(io.RawIOBase):
    """A binary stream of the bytes an iterator gives, read as they are asked for."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._chunk = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._chunk:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._chunk = memoryview(chunk)
        n = min(len(buffer), len(self._chunk))
        buffer[:n] = self._chunk[:n]
        self._chunk = self._chunk[n:]
        return n


def _pack(quads: list[Quad] | bytes) -> bytes:
    return quads if isinstance(quads, bytes) else zlib.compress(serialize(quads, format=RdfFormat.N_QUADS) or b"", 3)


def _quads(part: list[Quad] | bytes) -> list[Quad]:
    return part if isinstance(part, list) else nquads(zlib.decompress(part))


def _nquads(part: list[Quad] | bytes) -> bytes:
    return zlib.decompress(part) if isinstance(part, bytes) else serialize(part, format=RdfFormat.N_QUADS) or b""


@dataclass
class _Mapped:
    """A dossier planned in a mapping process: its write, ready for the spool, and for a text the store holds
    already, what it maps to (packed), for the main process to compare with what the store holds."""

    write: _Write
    held: tuple[bytes, bytes] | None = None  # (its quads, its shared quads), packed


# a mapping process's, given when it starts: the lexicon, and the vocabulary's quads (what a batch's facts are
# read with: which metrics are lower-is-better, the labels)
_lexicon: Lexicon | None = None
_vocabulary_quads: tuple[Quad, ...] = ()
_validator: Validator | None = None  # and the validator, when the ingest validates


def _start_mapper(lexicon: Lexicon, vocabulary_quads: tuple[Quad, ...], validator: tuple[Path, str] | None) -> None:
    global _lexicon, _vocabulary_quads, _validator
    _lexicon, _vocabulary_quads = lexicon, vocabulary_quads
    _validator = Validator(*validator) if validator is not None else None


def _map_batch(jobs: list[tuple[DossierRecord, _Prepared, list[Quad]]], now: datetime,
               read_facts: bool = True) -> tuple[list[_Mapped | ClaimgraphError], FactSet | None]:
    """In a mapping process: each dossier of a batch mapped and packed for the spool, or the error it raised
    (with SHACL on, the batch's violations as one error: see :func:`_violations`); and, when none raised one
    and ``read_facts``, the facts the conflicts read in what the batch writes (so that the ingest need not read
    them back from the store). Each job holds what the store holds of the dossier's revisions, which SHACL
    reads."""
    assert _lexicon is not None, "a mapping process starts with _start_mapper"
    out: list[_Mapped | ClaimgraphError] = []
    written: list[tuple[Quad, ...] | list[Quad]] = []
    checked: list[tuple[_Plan, list[Quad]]] = []
    for record, prepared, revisions in jobs:
        try:
            plan = _build(record, prepared, _lexicon, now)
        except ClaimgraphError as exc:
            out.append(exc)
            continue
        if plan.status != "unchanged":
            checked.append((plan, revisions))
        written.append(plan.quads)
        if plan.status == "unchanged":  # written as remapped unless the store holds just these quads
            out.append(_Mapped(_Write.of(replace(plan, status="remapped")).spooled(),
                               (_pack(plan.quads), _pack(plan.shared))))
        else:
            out.append(_Mapped(_Write.of(plan).spooled()))
    if _validator is not None and checked:
        failures = _violations(_validator, _vocabulary_quads, checked)
        if failures:
            out.append(_validation_error(failures))
    if len(written) < len(jobs) or len(out) > len(jobs) or not read_facts:
        return out, None
    return out, facts_of_quads((q for quads in written for q in quads), _vocabulary_quads)


def _violations(validator: Validator, vocabulary_quads: Iterable[Quad],
                checked: Sequence[tuple[_Plan, Iterable[Quad]]]) -> list[str]:
    """SHACL over what plans are about to write, with what the store holds of their revisions, in chunks of
    dossiers (memory stays bounded): the lines that report each chunk's violations, none when all conform."""
    failures: list[str] = []
    for start in range(0, len(checked), _VALIDATION_CHUNK):
        chunk = checked[start:start + _VALIDATION_CHUNK]
        data: list[Quad] = list(vocabulary_quads)
        for plan, revisions in chunk:
            data.extend(plan.quads)
            data.extend(plan.shared)
            data.extend(plan.revision)
            data.extend(revisions)
        report = validator.validate_quads(data)
        if not report.conforms:
            failures.append(f"in {', '.join(plan.source for plan, _ in chunk)}:")
            failures += [f"  {v}" for v in report.violations if v.severity == "Violation"]
    return failures


def _validation_error(failures: list[str]) -> ValidationError:
    shown = failures[:21] + (["  …"] if len(failures) > 21 else [])
    return ValidationError("SHACL validation failed; nothing was written:\n  " + "\n  ".join(shown))


class _Spool:
    """Planned batches kept on disk between the pass that checks a folder and the pass that writes it, so that
    every dossier is read and mapped once (a temporary folder, deleted on close; about 10 bytes a quad, 0.7 GB
    for a million claims)."""

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="claimgraph-ingest-"))
        self._batches = 0

    def add(self, writes: list[_Write]) -> None:
        with open(self._folder / f"{self._batches}.pickle", "wb") as out:
            pickle.dump([w.spooled() for w in writes], out, protocol=pickle.HIGHEST_PROTOCOL)
        self._batches += 1

    def __iter__(self) -> Iterator[list[_Write]]:
        """The batches in order, one in memory at a time (as often as asked: the writing reads them in passes)."""
        for n in range(self._batches):
            with open(self._folder / f"{n}.pickle", "rb") as spooled:
                batch: list[_Write] = pickle.load(spooled)
            yield batch

    def close(self) -> None:
        shutil.rmtree(self._folder, ignore_errors=True)


@dataclass
class _Run:
    """What an ingest of several batches has done so far."""

    results: list[IngestResult] = field(default_factory=list)
    errors: list[ClaimgraphError] = field(default_factory=list)
    scopes: set[str] = field(default_factory=set)  # the conflict scopes its writes touched
    change: Change = field(default_factory=lambda: Change(set(), [], set()))
    wrote: bool = False
    current: bool = True  # whether the conflicts graph was current before the first write
    follow: bool = True  # whether the conflicts can follow ``change`` (few graphs) or re-read their scopes
    facts: FactSet | None = None  # the facts of every write, when the mapping processes read them


def dossier_files(paths: Iterable[str | Path]) -> list[Path]:
    """The dossier files named by ``paths``: files as given, folders searched for .md/.markdown/.txt."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DOSSIER_SUFFIXES
                                and not any(part.startswith(".") for part in p.relative_to(path).parts)))
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    return list(dict.fromkeys(found))


class Ingestor:
    """Writes dossiers into a store. Holds the store's write lock while it reads, compares and writes."""

    def __init__(self, store: Store, vocabulary: Vocabulary, validator: Validator | None,
                 conflicts: ConflictIndex | None = None) -> None:
        self.store = store
        self.vocabulary = vocabulary
        self.validator = validator
        self.conflicts = conflicts

    def ingest_paths(self, paths: Iterable[str | Path], *, keep_going: bool = False,
                     progress: Callable[[IngestResult, int, int], None] | None = None) -> tuple[list[IngestResult],
                                                                                        list[ClaimgraphError]]:
        """Ingest every dossier under ``paths``. Returns the results and the files skipped for errors
        (only with ``keep_going``; otherwise the first error stops everything before any write)."""
        batches = _FileBatches(dossier_files(paths))
        errors = batches.read_all()
        if errors and not keep_going:
            # the rest may be malformed in ways only mapping finds: report those too, still writing nothing
            for records in batches:
                for record in records:
                    try:
                        map_dossier(record, self.vocabulary.lexicon)
                    except ClaimgraphError as exc:
                        errors.append(exc)
            raise ManyErrors(errors) if len(errors) > 1 else errors[0]
        # a large folder in batches read from disk again to be planned, every batch planned and validated (and
        # kept in a spool) before the first is written, so memory holds one batch, not the folder; new dossiers
        # through the bulk loader
        several = len(batches) > 1
        results, skipped = self.ingest_batches(batches, progress=progress, keep_going=keep_going,
                                               validate_first=several and not keep_going, bulk=several,
                                               total=batches.dossiers)
        return results, errors + skipped

    def ingest_records(self, records: Sequence[DossierRecord], *, keep_going: bool = False,
                       progress: Callable[[IngestResult, int, int], None] | None = None,
                       ) -> tuple[list[IngestResult], list[ClaimgraphError]]:
        """Plan every record (mapping errors, such as a statement block that does not parse, are found
        here, before any write), validate the batch, then write each dossier in its own transaction."""
        return self.ingest_batches([records], keep_going=keep_going, progress=progress)

    def ingest_batches(self, batches: Iterable[Sequence[DossierRecord]], *, keep_going: bool = False,
                       progress: Callable[[IngestResult, int, int], None] | None = None,
                       validate_first: bool = False, bulk: bool = False, total: int | None = None,
                       ) -> tuple[list[IngestResult], list[ClaimgraphError]]:
        """Ingest batch after batch (each planned, validated and written as :meth:`ingest_records` says) under
        one write lock, and bring the conflicts up to date once, at the end, for every scope the batches
        touched: a long import then costs time linear in its size, where recomputing after every batch
        re-read the growing scopes each time (quadratic). The conflicts graph is marked not current before the
        first write, so a crash half-way leaves a graph that the next reader recomputes.

        With ``validate_first``, every batch is planned and validated before the first is written (the plans
        kept in a spool on disk, so that each dossier is mapped once; mapped and validated in processes of their
        own): a batch that fails leaves the store as it was, not with the batches before it written. With
        ``bulk``, new dossiers go through the store's bulk loader (``bulk_replace_graphs``): faster, but a crash
        half-way leaves part of a dossier, which re-running the same ingest replaces."""
        with self.store.write_lock:
            run = _Run()
            spool = _Spool() if validate_first else None
            try:
                if spool is not None:  # planned once, kept on disk until every batch has passed
                    if MAPPERS > 1:
                        run.facts = self._plan_in_parallel(batches, spool)
                    else:
                        for records in batches:
                            spool.add([_Write.of(p) for p in self._checked_plans(records, keep_going=False,
                                                                                validate=True)[0]])
                    planned: Iterable[list[_Write]] = spool
                else:
                    planned = (self._planned(records, run, keep_going=keep_going) for records in batches)
                try:
                    if spool is not None and bulk and self.store.bulk_loader:
                        self._write_spooled(spool, run, progress=progress, total=total)
                    else:
                        for writes in planned:
                            self._write_batch(writes, run, progress=progress, bulk=bulk, total=total)
                except BaseException:
                    if run.wrote:  # what was written is in the conflicts before the error goes on, read back
                        run.facts, run.follow = None, False  # from the store: not all of it may be
                        self._recompute(run)
                    raise
            finally:
                if spool is not None:
                    spool.close()
            if run.wrote or self.conflicts is not None and not self.conflicts.current():
                self._recompute(run)
            return run.results, run.errors

    def _plan_in_parallel(self, batches: Iterable[Sequence[DossierRecord]], spool: _Spool) -> FactSet | None:
        """Plan every batch into ``spool``, mapped in ``MAPPERS`` processes of their own while this one reads what
        the store holds of the next batches (the store is this process's alone). The first batch with an error
        stops it, with every error of that batch, before anything is written. Returns the facts the conflicts
        read in what the batches write, read by the mapping processes too; None past ``_FACTS_HELD`` statements,
        when the conflicts are to read the scopes the batches touch from the store."""
        context = multiprocessing.get_context("forkserver")  # not a fork of a process that holds the store
        validator = (self.validator.folder, self.validator.engine) if self.validator is not None else None
        pool = ProcessPoolExecutor(MAPPERS, mp_context=context, initializer=_start_mapper,
                                   initargs=(self.vocabulary.lexicon, self.vocabulary.vocabulary_quads, validator))
        pending: deque[Future[tuple[list[_Mapped | ClaimgraphError], FactSet | None]]] = deque()
        facts: FactSet | None = FactSet()

        def settle() -> None:
            nonlocal facts
            mapped, mapped_facts = pending.popleft().result()
            writes, unchanged = self._settled(mapped)
            if facts is not None:
                if facts.statements() > _FACTS_HELD:
                    facts = None  # let go: the conflicts read the scopes back from the store
                else:
                    assert mapped_facts is not None  # asked for while facts were held
                    facts.add(mapped_facts, leaving=unchanged)
            spool.add(writes)

        try:
            for records in batches:
                _check_distinct(records)
                jobs = [(record, prepared, self._revisions(prepared.dossier) if self.validator is not None else [])
                        for record in records for prepared in [self._prepare(record)]]
                pending.append(pool.submit(_map_batch, jobs, datetime.now(timezone.utc), facts is not None))
                if len(pending) > MAPPERS:
                    settle()
            while pending:
                settle()
        except BrokenProcessPool:
            raise ClaimgraphError("a mapping process died (out of memory?); nothing was written") from None
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return facts

    def _settled(self, mapped: list[_Mapped | ClaimgraphError]) -> tuple[list[_Write], set[str]]:
        """A batch back from a mapping process: its errors raised, each text the store holds compared; its writes,
        and the dossiers found unchanged."""
        errors = [m for m in mapped if isinstance(m, ClaimgraphError)]
        if errors:
            raise ManyErrors(errors) if len(errors) > 1 else errors[0]
        writes, unchanged = [], set()
        for m in mapped:
            assert isinstance(m, _Mapped)
            if m.held is not None and self._holds(m.write.remove, _quads(m.held[0]), _quads(m.held[1])):
                m.write = _Write.nothing(replace(m.write.result, status="unchanged"))
                unchanged.add(m.write.result.dossier)
            writes.append(m.write)
        return writes, unchanged

    def _recompute(self, run: _Run) -> None:
        if self.conflicts is None:
            return
        # the graphs just written are read back for the conflicts; past a size, from the store by scope rather
        # than copied whole into memory
        follow = run.current and run.follow
        changed = replace(run.change, facts=run.facts) if follow else None
        self.conflicts.recompute(run.scopes if run.current else None, changed=changed)

    def _checked_plans(self, records: Sequence[DossierRecord], *, keep_going: bool,
                       validate: bool) -> tuple[list[_Plan], list[ClaimgraphError]]:
        """The plans of ``records`` and the records that could not be planned; the plans that write validated."""
        _check_distinct(records)
        plans, errors = self._plans(records, keep_going)
        todo = [p for p in plans if p.status != "unchanged"]
        if todo and validate and self.validator is not None:
            self._validate(todo)
        return plans, errors

    def _planned(self, records: Sequence[DossierRecord], run: _Run, *, keep_going: bool) -> list[_Write]:
        plans, errors = self._checked_plans(records, keep_going=keep_going, validate=True)
        run.errors += errors
        return [_Write.of(p) for p in plans]

    def _write_batch(self, writes: Sequence[_Write], run: _Run, *,
                     progress: Callable[[IngestResult, int, int], None] | None, bulk: bool, total: int | None) -> None:
        new = self._write_held(writes, run, bulk=bulk)
        if new:  # together through the bulk loader, then their own graphs in one transaction
            own = [writes[i].own for i in new]
            last = _marks(writes, new)
            if all(isinstance(part, bytes) for part in own):  # from the spool: the loader parses them
                self.store.bulk_replace_graphs([], b"".join(zlib.decompress(part) for part in own), last)  # type: ignore[arg-type]
            else:
                self.store.bulk_replace_graphs([], [q for part in own for q in _quads(part)], last)
        self._written(writes, run, progress, total)

    def _write_spooled(self, spool: _Spool, run: _Run, *, progress: Callable[[IngestResult, int, int], None] | None,
                       total: int | None) -> None:
        """Write every spooled batch, where the store has a bulk loader: first, batch by batch, each dossier that
        replaces graphs the store holds, in a transaction of its own; then the N-Quads of every new dossier
        through the bulk loader in one run, the batches read back from the spool as the loader asks for them;
        then, batch by batch, the new dossiers' own graphs in one transaction each. (One run of the loader
        costs what a raw ``bulk_load`` of the same quads costs; a run per batch cost about a fifth more, measured
        at 100k claims.)"""
        new = [self._write_held(writes, run, bulk=True) for writes in spool]
        if any(new):
            packed = (writes[i].own for writes, which in zip(spool, new, strict=True) for i in which)
            parts = _ahead(packed, zlib.decompress)  # type: ignore[arg-type]
            self.store.bulk_replace_graphs([], io.BufferedReader(_Chunks(parts), _READ_SIZE))
        for writes, which in zip(spool, new, strict=True):
            if which:
                self.store.add_quads(_marks(writes, which))
            self._written(writes, run, progress, total)

    def _write_held(self, writes: Sequence[_Write], run: _Run, *, bulk: bool) -> list[int]:
        """Note what ``writes`` change and write those that replace graphs the store holds (all of them without
        ``bulk``), each in a transaction of its own; returns the positions of the others: new dossiers, for the
        bulk loader."""
        self._sync_reference_graphs()
        if not run.wrote and any(w.result.status != "unchanged" for w in writes):
            run.current = self.conflicts.invalidate() if self.conflicts is not None else True
            run.wrote = True
        scopes, change = run.scopes, run.change
        new = []
        for i, write in enumerate(writes):
            if write.result.status == "unchanged":
                continue
            scopes |= scopes_of_quads(q for g in write.remove for q in self.store.quads(g))
            scopes |= write.scopes
            change.removed.update(g.value.removesuffix("/assertion") for g in write.remove
                                  if g.value.endswith("/assertion"))
            if run.follow and run.facts is None:  # the facts are not known yet: what to read them from
                change.graphs.extend(write.graphs)
                if len(change.graphs) > _FOLLOW_GRAPHS:  # past this, kept no longer: memory stays flat
                    run.follow = False
                    change.graphs.clear()
            change.superseded.update(write.superseded)
            if bulk and self.store.bulk_loader and not any(self.store.has_graph(g) for g in write.remove):
                new.append(i)
            else:
                self.store.replace_graphs(write.remove, _quads(write.own) + _quads(write.last))
        return new

    @staticmethod
    def _written(writes: Sequence[_Write], run: _Run, progress: Callable[[IngestResult, int, int], None] | None,
                 total: int | None) -> None:
        for write in writes:
            run.results.append(write.result)
            if progress:
                progress(write.result, len(run.results), total or len(writes))

    def _plans(self, records: Sequence[DossierRecord], keep_going: bool) -> tuple[list[_Plan], list[ClaimgraphError]]:
        now = datetime.now(timezone.utc)
        plans, errors = [], []
        for record in records:
            try:
                plans.append(self._plan(record, now))
            except ClaimgraphError as exc:
                errors.append(exc)
        if errors and not keep_going:
            raise ManyErrors(errors) if len(errors) > 1 else errors[0]
        return plans, errors

    def _sync_reference_graphs(self) -> None:
        """Keep the ontology and vocabulary graphs equal to the shipped files."""
        for graph, quads in ((iris.ONTOLOGY_GRAPH, self.vocabulary.ontology_quads),
                             (iris.VOCABULARY_GRAPH, self.vocabulary.vocabulary_quads)):
            if set(self.store.quads(graph)) != self.store.held_form(quads):
                self.store.replace_graphs([graph], quads)

    def _plan(self, record: DossierRecord, now: datetime) -> _Plan:
        return self._settle(_build(record, self._prepare(record), self.vocabulary.lexicon, now))

    def _prepare(self, record: DossierRecord) -> _Prepared:
        dossier = iris.dossier_iri(record.canonical_path, record.title)
        current, current_previous = self._current_revision(dossier)
        revision = self._revision_for(dossier, record.sha256, current)
        if current == revision:
            previous, status = current_previous, "unchanged"
        else:
            previous, status = current, ("added" if current is None else "revised")
        return _Prepared(dossier, status, revision, previous, self._graphs_of(dossier))

    def _settle(self, plan: _Plan) -> _Plan:
        """A plan of the text the store holds: unchanged if the store holds what it maps to, else remapped."""
        if plan.status != "unchanged":
            return plan
        if self._holds(plan.remove, plan.quads, plan.shared):
            return replace(plan, remove=[])
        return replace(plan, status="remapped")

    def _holds(self, graphs: list[NamedNode], quads: list[Quad], shared: list[Quad]) -> bool:
        """Whether ``graphs`` hold exactly ``quads``, and the shared graphs hold ``shared``."""
        held = {q for g in graphs for q in self.store.quads(g)}
        return held == self.store.held_form(quads) and all(
            any(True for _ in self.store.match(q.subject, q.predicate, q.object, q.graph_name))
            for q in self.store.held_form(shared))

    def _current_revision(self, dossier: NamedNode) -> tuple[NamedNode | None, NamedNode | None]:
        rows = list(self.store.query(
            "SELECT ?rev ?prev ?d ?dg ?rg WHERE { GRAPH ?dg { ?d cg:currentRevision ?rev } "
            "OPTIONAL { GRAPH ?rg { ?rev prov:wasRevisionOf ?prev } } } LIMIT 1",
            substitutions={"d": dossier, "dg": iris.dossier_graph(dossier), "rg": iris.revisions_graph(dossier)},
            prefixes={"cg": CG.iri, "prov": PROV.iri}, union=False,
        ))  # type: ignore[arg-type]
        if not rows:
            return None, None
        return rows[0]["rev"], rows[0]["prev"]

    def _revision_for(self, dossier: NamedNode, sha256: str, current: NamedNode | None) -> NamedNode:
        """The current revision when it has this content, else the first revision IRI for it not yet taken (a
        dossier reverted to an earlier text gets a revision of its own)."""
        graph, again = iris.revisions_graph(dossier), 0
        while True:
            revision = iris.revision_iri(dossier, sha256, again)
            if revision == current or not any(True for _ in self.store.match(revision, None, None, graph)):
                return revision
            again += 1

    def _graphs_of(self, dossier: NamedNode) -> list[NamedNode]:
        rows = self.store.query("SELECT DISTINCT ?g ?d WHERE { GRAPH ?g { ?c cg:inDossier ?d } }",
                                substitutions={"d": dossier}, prefixes={"cg": CG.iri}, union=False)
        graphs = [iris.dossier_graph(dossier)] + [row["g"] for row in rows]  # type: ignore[union-attr]
        return [g for g in graphs if iris.is_dossier_graph(g, dossier)]

    def _validate(self, plans: list[_Plan]) -> None:
        """SHACL over what is about to be written (see :func:`_violations`)."""
        assert self.validator is not None
        failures = _violations(self.validator, self.vocabulary.vocabulary_quads,
                               [(plan, self._revisions(plan.dossier)) for plan in plans])
        if failures:
            raise _validation_error(failures)

    def _revisions(self, dossier: NamedNode) -> list[Quad]:
        return list(self.store.quads(iris.revisions_graph(dossier)))


def _check_distinct(records: Sequence[DossierRecord]) -> None:
    seen: dict[str, str] = {}
    for record in records:
        _distinct(record, seen)


def _distinct(record: DossierRecord, seen: dict[str, str]) -> None:
    iri = iris.dossier_iri(record.canonical_path, record.title).value
    if iri in seen:
        raise InputError(f"{record.source}: maps to the same dossier as {seen[iri]} ({iri}); "
                         "give each dossier its own canonical path")
    seen[iri] = record.source


class _FileBatches:
    """The dossiers of ``files``, ``INGEST_BATCH`` at a time, read and parsed from disk on every pass (a
    parsed dossier of 20 claims holds ~30 KiB: a million claims held whole took 1.5 GB). :meth:`read_all`
    reads each file once first and finds the files that cannot be read (left out of every later pass), the
    dossiers that map to one IRI, and each file's digest. A file found changed on a later pass stops that pass
    with an error: before any write if writing had not begun, otherwise between two batches, every dossier
    written before it whole."""

    def __init__(self, files: list[Path]) -> None:
        self.files = files
        self.digests: dict[Path, str] = {}

    def read_all(self) -> list[ClaimgraphError]:
        errors: list[ClaimgraphError] = []
        seen: dict[str, str] = {}
        for path in self.files:
            try:
                record = read_dossier(path)
                _distinct(record, seen)
            except ClaimgraphError as exc:
                errors.append(exc)
                continue
            self.digests[path] = record.sha256
        return errors

    @property
    def dossiers(self) -> int:
        return len(self.digests)

    def __len__(self) -> int:
        return max(1, -(-self.dossiers // INGEST_BATCH))

    def __iter__(self) -> Iterator[list[DossierRecord]]:
        readable = [p for p in self.files if p in self.digests]
        if not readable:
            yield []
        for start in range(0, len(readable), INGEST_BATCH):
            paths = readable[start:start + INGEST_BATCH]
            batch = []
            for path in paths:
                try:
                    record: DossierRecord | None = read_dossier(path)
                except ClaimgraphError:
                    record = None  # readable before: it changed too
                if record is None or record.sha256 != self.digests[path]:
                    raise InputError(f"{path}: changed while the folder was being ingested; run the ingest again "
                                     "(every dossier written so far is whole)")
                batch.append(record)
            yield batch
