"""The store protocol: what claimgraph needs of a triple store, whatever runs it.

pyoxigraph terms and result objects are the common currency: a query answers with
:class:`pyoxigraph.QuerySolutions`, :class:`~pyoxigraph.QueryBoolean` or :class:`~pyoxigraph.QueryTriples`.
Results are bound to the thread that made them: consume (or serialise) them in the calling thread.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import BinaryIO, Protocol, runtime_checkable

from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Quad, QueryBoolean, QuerySolutions, QueryTriples, RdfFormat, parse

__all__ = ["Store", "QueryResult", "Term", "GraphName", "nquads"]

QueryResult = QuerySolutions | QueryBoolean | QueryTriples
GraphName = NamedNode | DefaultGraph
Term = object  # a pyoxigraph term (NamedNode, BlankNode, Literal)


def nquads(data: bytes) -> list[Quad]:
    """The quads of an N-Quads document."""
    return list(parse(data, format=RdfFormat.N_QUADS))


def as_quads(data: Iterable[Quad] | bytes | BinaryIO) -> Iterable[Quad]:
    """Quads, or the quads of N-Quads given whole or as a binary stream."""
    if isinstance(data, (bytes, io.IOBase)):
        return parse(data, format=RdfFormat.N_QUADS)
    return data  # type: ignore[return-value]


@runtime_checkable
class Store(Protocol):
    """A quad store with SPARQL 1.1.

    Contracts every implementation keeps:

    * ``query`` sees the union of all graphs as its default graph unless ``union=False``;
      ``substitutions`` binds variables to terms before evaluation (never paste values into SPARQL);
      a SELECT must project every variable it substitutes (pyoxigraph requires it).
    * ``replace_graphs`` is atomic: after it returns every graph in ``remove`` is gone and every quad of
      ``add`` is in; if it raises, the store is as it was.
    * ``write_lock`` serialises read-modify-write sequences of one process.
    * ``generation`` grows with every write, so that snapshots know when they are stale.
    * ``snapshot`` writes an independent copy that another process can open read-only.
    """

    location: str
    write_lock: threading.Lock
    bulk_loader: bool  # whether bulk_replace_graphs has a faster, non-atomic path (worth a batch at a time)
    generation: int

    def query(self, sparql: str, *, substitutions: Mapping[str, Term] | None = None, union: bool = True,
              default_graph: list[NamedNode] | None = None, named_graphs: list[NamedNode] | None = None,
              prefixes: Mapping[str, str] | None = None) -> QueryResult: ...

    def update(self, sparql: str, *, prefixes: Mapping[str, str] | None = None,
               base_iri: str | None = None) -> None: ...

    def replace_graphs(self, remove: Iterable[GraphName], add: Iterable[Quad]) -> None: ...

    def bulk_replace_graphs(self, remove: Iterable[GraphName], add: Iterable[Quad] | bytes | BinaryIO,
                            last: Iterable[Quad] | bytes = ()) -> None:
        """As ``replace_graphs(remove, add + last)``, but where there is a bulk loader and nothing to remove,
        ``add`` goes through the bulk loader (faster, not atomic: a crash half-way leaves part of it) and then
        ``last`` in one transaction — so a reader that takes ``last`` as the mark of a finished write never
        trusts a torn one. For long imports only, whose re-run replaces what a crash left. ``add`` may be
        N-Quads, whole (bytes) or as a binary stream, which the bulk loader reads without a Python object per
        quad; ``last`` may be N-Quads too."""
        ...

    def change_quads(self, remove: Iterable[Quad], add: Iterable[Quad]) -> None:
        """Remove some quads and add others, atomically (nothing when both are empty)."""
        ...

    def add_quads(self, quads: Iterable[Quad] | bytes) -> None:
        """Add quads (or the quads of N-Quads given as bytes) in one transaction."""
        ...

    def held_form(self, quads: Iterable[Quad]) -> set[Quad]:
        """The quads as this store will hold them (literals in the form it keeps them), to compare what is about
        to be written with what is held."""
        ...

    def has_graph(self, graph: GraphName) -> bool: ...

    def create_graph(self, graph: NamedNode) -> None: ...

    def drop_graph(self, graph: GraphName) -> None: ...

    def snapshot(self, target: Path) -> None: ...

    def restore(self, path: Path, format: RdfFormat) -> None: ...

    def quads(self, graph: NamedNode | None = None) -> Iterator[Quad]: ...

    def match(self, subject: Term | None, predicate: NamedNode | None, object: Term | None,
              graph: GraphName | None = None) -> Iterator[Quad]:
        """Quads matching a pattern (None matches anything; ``graph=None`` searches every graph)."""
        ...

    def named_graphs(self) -> Iterator[NamedNode]: ...

    def dump(self, output: BinaryIO, format: RdfFormat, graph: NamedNode | None = None,
             prefixes: Mapping[str, str] | None = None) -> None: ...

    def count(self) -> int: ...

    def close(self) -> None: ...
