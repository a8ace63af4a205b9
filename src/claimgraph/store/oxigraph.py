"""The embedded store: pyoxigraph on disk (RocksDB, one process at a time) or in memory."""

from __future__ import annotations

import hashlib
import io
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import chain
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from pyoxigraph import NamedNode, Quad, RdfFormat

from claimgraph.errors import InputError, QueryError, StoreError
from claimgraph.store.base import GraphName, QueryResult, Term, as_quads
from claimgraph.store.sparql_text import substitute

__all__ = ["OxigraphStore", "syntax_message", "canonical", "folder_stamp"]


def canonical(quads: Iterable[Quad]) -> set[Quad]:
    """The quads as the store will hold them: pyoxigraph keeps literals canonical ("78.0"^^xsd:decimal is
    held as "78", xsd:nonNegativeInteger as xsd:integer), so compare what is about to be written with what
    is held only after this."""
    scratch = ox.Store()
    scratch.extend(quads)
    return set(scratch)

_MAX_MESSAGE = 240


def folder_stamp(folder: str | Path) -> str:
    """A digest of the names, sizes and modification times of a store folder's files (RocksDB's logs of what it
    did and its lock file aside, and files of claimgraph's own, named ``claimgraph-…``): any write to the store
    changes it (RocksDB appends to a write-ahead log, and every read-write opening writes a new manifest), a
    read-only opening does not. Taken while no process has the store open."""
    digest = hashlib.sha256()
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name in ("LOCK", "LOG") or entry.name.startswith(("LOG.old.", "claimgraph-")) \
                    or not entry.is_file(follow_symlinks=False):
                continue
            info = entry.stat(follow_symlinks=False)
            digest.update(f"{entry.name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


#: Quads written to an on-disk store between two flushes. RocksDB keeps what a transaction wrote in memtables
#: that pyoxigraph does not flush by itself: without this, 25 writes of 100k quads grew the process to 2 GB;
#: flushed every 100k quads it stays near 200 MB at any size, at no measurable cost (bench/imports.py).
FLUSH_EVERY = 100_000


def syntax_message(exc: SyntaxError, prefixes: Mapping[str, str] | None = None) -> str:
    """pyoxigraph's parse error on one line: its position ('error at LINE:COLUMN'), then what it expected,
    shortened; an undeclared prefix is said in words."""
    message = " ".join(str(exc).split())
    if "Prefix not found" in message:
        where = message.split(": expected", 1)[0]
        known = ", ".join(sorted(prefixes)) if prefixes else "none"
        return f"{where}: unknown prefix (declare it with PREFIX; predeclared: {known})"
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"


def _data(keyword: str, quads: Iterable[Quad]) -> str | None:
    """``INSERT DATA { … }`` (or ``DELETE DATA``) of ``quads``, grouped by graph; None when there are none. Terms
    are written by pyoxigraph's own N-Triples form of them, so nothing from a quad can change the update."""
    by_graph: dict[object, list[str]] = {}
    for q in quads:
        by_graph.setdefault(q.graph_name, []).append(f"{q.subject} {q.predicate} {q.object} .")
    if not by_graph:
        return None
    blocks = [(f"GRAPH {g} {{\n" + "\n".join(t) + "\n}") if isinstance(g, NamedNode) else "\n".join(t)
              for g, t in by_graph.items()]
    return keyword + " {\n" + "\n".join(blocks) + "\n}"


class OxigraphStore:
    """pyoxigraph behind the :class:`~claimgraph.store.base.Store` protocol.

    ``path=None`` keeps everything in memory. On disk, RocksDB locks the folder: a second process that
    opens it gets :class:`StoreError`. Every write is one pyoxigraph transaction (``Store.update`` is
    atomic), so a dossier is in the store whole or not at all, also when the process is killed — except
    :meth:`bulk_replace_graphs`, pyoxigraph's bulk loader, which long imports choose knowingly.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.location = "memory:" if path is None else str(path)
        self.write_lock = threading.Lock()
        self.bulk_loader = self.location != "memory:"
        self._generation = 0  # bumped by every write; readers of snapshots compare it
        #: called with the new generation after each write (``serve`` publishes it to its other processes)
        self.on_write: Callable[[int], None] | None = None
        self._unflushed = 0  # quads written to disk since the last flush
        #: the folder's :func:`folder_stamp` before this opened it (None in memory, or for a new folder)
        self.opened_stamp: str | None = None
        try:
            if path is None:
                self._store = ox.Store()
            else:
                Path(path).mkdir(parents=True, exist_ok=True)
                self.opened_stamp = folder_stamp(path) if (Path(path) / "CURRENT").exists() else None
                self._store = ox.Store(str(path))
        except OSError as exc:
            if "lock" in str(exc).lower():
                raise StoreError(f"the store at {path} is in use by another process "
                                 "(is `claimgraph serve` running on it?)") from None
            raise StoreError(f"cannot open the store at {path}: {exc}") from None

    @property
    def generation(self) -> int:
        return self._generation

    @generation.setter
    def generation(self, value: int) -> None:
        self._generation = value
        if self.on_write is not None:
            self.on_write(value)

    def query(self, sparql: str, *, substitutions: Mapping[str, Term] | None = None, union: bool = True,
              default_graph: list[NamedNode] | None = None, named_graphs: list[NamedNode] | None = None,
              prefixes: Mapping[str, str] | None = None) -> QueryResult:
        subs = None
        if substitutions:
            if any(isinstance(v, ox.BlankNode) for v in substitutions.values()):  # no text can name one
                subs = {ox.Variable(k): v for k, v in substitutions.items()}
            else:  # planned with the values known (see sparql_text)
                sparql = substitute(sparql, substitutions)
        try:
            return self._store.query(
                sparql,
                prefixes=dict(prefixes) if prefixes else None,
                use_default_graph_as_union=union and default_graph is None,
                default_graph=default_graph,
                named_graphs=named_graphs,
                substitutions=subs,  # type: ignore[arg-type]
            )
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {syntax_message(exc, prefixes)}") from None
        except (OSError, ValueError, TypeError, RuntimeError) as exc:
            raise QueryError(f"the query failed: {exc}") from None

    def update(self, sparql: str, *, prefixes: Mapping[str, str] | None = None, base_iri: str | None = None) -> None:
        try:
            self._store.update(sparql, prefixes=dict(prefixes) if prefixes else None, base_iri=base_iri)
            self.generation += 1
        except SyntaxError as exc:
            raise QueryError(f"SPARQL update syntax error: {syntax_message(exc, prefixes)}") from None
        except (OSError, ValueError) as exc:
            raise QueryError(f"the update failed: {exc}") from None
        self._wrote(sparql.count("\n") + 1)  # a guess: an update's size says little of what it writes

    def replace_graphs(self, remove: Iterable[GraphName], add: Iterable[Quad]) -> None:
        remove = list(dict.fromkeys(remove))
        if not self._holds_any(remove):
            # nothing to take out (a new dossier): one transactional extend, several times faster than an update
            self.add_quads(add)
            return
        parts = [("CLEAR SILENT DEFAULT ;" if isinstance(g, ox.DefaultGraph) else f"DROP SILENT GRAPH {g} ;")
                 for g in remove]
        inserted = _data("INSERT DATA", add)
        if inserted:
            parts.append(inserted)
        update = "\n".join(parts).removesuffix(" ;")
        self._apply(update)

    def _apply(self, update: str) -> None:
        """Run ``update``, the text of one write, in one transaction: all of it or nothing."""
        try:
            self._store.update(update)
            self.generation += 1
        except (OSError, SyntaxError, ValueError) as exc:
            raise StoreError(f"the write failed and nothing was written: {exc}") from None
        self._wrote(update.count("\n"))

    def bulk_replace_graphs(self, remove: Iterable[GraphName], add: Iterable[Quad] | bytes | BinaryIO,
                            last: Iterable[Quad] | bytes = ()) -> None:
        remove = list(dict.fromkeys(remove))
        if not self.bulk_loader or self._holds_any(remove):
            self.replace_graphs(remove, chain(as_quads(add), as_quads(last)))
            return
        try:
            # new files written beside the store's and added to it whole: no write-ahead log, no memtables
            if isinstance(add, (bytes, io.IOBase)):
                self._store.bulk_load(input=add, format=ox.RdfFormat.N_QUADS)
            else:
                self._store.bulk_extend(add)
        except (OSError, ValueError) as exc:
            raise StoreError(f"the bulk write failed, part of it may be written: {exc}") from None
        finally:
            self.generation += 1
        self.add_quads(last)

    def _holds_any(self, graphs: list[GraphName]) -> bool:
        """Whether any of ``graphs`` may hold something (the default graph always may)."""
        return any(isinstance(g, ox.DefaultGraph) or self._store.contains_named_graph(g) for g in graphs)

    def change_quads(self, remove: Iterable[Quad], add: Iterable[Quad]) -> None:
        remove = list(remove)
        if not remove:  # one transaction either way; without the text of an update to write and parse
            add = list(add)
            if add:
                self.add_quads(add)
            return
        parts = [part for part in (_data("DELETE DATA", remove), _data("INSERT DATA", add)) if part]
        if not parts:
            return
        update = " ;\n".join(parts)
        self._apply(update)

    def add_quads(self, quads: Iterable[Quad] | bytes) -> None:
        """Add quads (or the quads of N-Quads given as bytes, parsed by the engine) in one transaction."""
        counted = [0]

        def counting(items: Iterable[Quad]) -> Iterator[Quad]:
            for counted[0], quad in enumerate(items, start=1):
                yield quad

        try:
            if isinstance(quads, bytes):
                self._store.load(input=quads, format=RdfFormat.N_QUADS)
                counted[0] = quads.count(b"\n")
            elif isinstance(quads, (list, tuple)):
                self._store.extend(quads)
                counted[0] = len(quads)
            else:
                self._store.extend(counting(quads))
            self.generation += 1
        except (OSError, ValueError) as exc:
            raise StoreError(f"the write failed and nothing was written: {exc}") from None
        self._wrote(counted[0])

    def _wrote(self, quads: int) -> None:
        """Flush an on-disk store's memtables once enough has been written (see ``FLUSH_EVERY``)."""
        self._unflushed += quads
        if self._unflushed >= FLUSH_EVERY and self.location != "memory:":
            self._store.flush()
            self._unflushed = 0

    def held_form(self, quads: Iterable[Quad]) -> set[Quad]:
        return canonical(quads)

    def has_graph(self, graph: GraphName) -> bool:
        if isinstance(graph, ox.DefaultGraph):
            return True
        return bool(self._store.contains_named_graph(graph))

    def create_graph(self, graph: NamedNode) -> None:
        self._store.add_graph(graph)
        self.generation += 1

    def drop_graph(self, graph: GraphName) -> None:
        """Remove a named graph (or clear the default graph)."""
        self._store.remove_graph(graph)
        self.generation += 1

    def snapshot(self, target: Path) -> None:
        """Write a consistent, independent copy of the store into the new folder ``target``, which
        another process may open read-only. On disk this is a RocksDB checkpoint (hard links, cheap)."""
        if self.location == "memory:":
            copy = ox.Store(str(target))
            copy.bulk_extend(self._store.quads_for_pattern(None, None, None, None))
            copy.flush()
            del copy
        else:
            self._store.backup(str(target))

    def quads(self, graph: NamedNode | None = None) -> Iterator[Quad]:
        return iter(self._store.quads_for_pattern(None, None, None, graph))

    def match(self, subject: Term | None, predicate: NamedNode | None, object: Term | None,
              graph: GraphName | None = None) -> Iterator[Quad]:
        return iter(self._store.quads_for_pattern(subject, predicate, object, graph))  # type: ignore[arg-type]

    def named_graphs(self) -> Iterator[NamedNode]:
        return (g for g in self._store.named_graphs() if isinstance(g, NamedNode))

    def dump(self, output: BinaryIO, format: RdfFormat, graph: NamedNode | None = None,
             prefixes: Mapping[str, str] | None = None) -> None:
        prefixes = dict(prefixes) if prefixes else None
        if graph is None and format == RdfFormat.N_TRIPLES:
            # the union of all graphs, a predicate at a time. A CONSTRUCT removes repeated triples with a set it
            # empties past a million: over a whole store of 100k claims it repeated 4,479 lines, in 804 MB; a
            # predicate at a time none, in 526 MB, as fast. Lines need no prefixes nor grouping: the engine
            # writes them, where Turtle's prefixes need pyoxigraph.serialize
            everything = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
            for row in self._store.query("SELECT DISTINCT ?p WHERE { ?s ?p ?o }", use_default_graph_as_union=True):
                self._store.query(everything, use_default_graph_as_union=True,  # type: ignore[union-attr]
                                  substitutions={ox.Variable("p"): row["p"]}).serialize(output, format)  # type: ignore[index]
        elif graph is None and not format.supports_datasets:
            # a triples format of the whole store: the union of all graphs (see above for the repeats)
            result = self._store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
            ox.serialize((ox.Triple(t.subject, t.predicate, t.object) for t in result),  # type: ignore[union-attr]
                         output, format, prefixes=prefixes)
        elif graph is None:
            self._store.dump(output, format, prefixes=prefixes)
        else:
            self._store.dump(output, format, from_graph=graph, prefixes=prefixes)

    def restore(self, path: Path, format: RdfFormat) -> None:
        """Load a dump (N-Quads or TriG) into this store, which must be empty: all of it, or nothing
        (pyoxigraph's bulk loader is atomic). Restoring over existing data is refused rather than risking
        a half-replaced store: restore into a new folder, then swap the folders."""
        if self.count():
            raise StoreError(f"the store at {self.location} is not empty; restore into a new store "
                             "(--store NEW_FOLDER) and swap the folders when it is done")
        try:
            self._store.bulk_load(path=str(path), format=format)
            self.generation += 1
        except SyntaxError as exc:
            raise InputError(f"{path}: {' '.join(str(exc).split())}; nothing was restored") from None
        except OSError as exc:
            raise StoreError(f"the restore failed and nothing was restored: {exc}") from None

    def count(self) -> int:
        return len(self._store)

    def flush(self) -> None:
        if self.location != "memory:":
            self._store.flush()

    def close(self) -> None:
        self.flush()
        del self._store
