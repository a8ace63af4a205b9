"""SHACL validation of the store, of RDF files, or of dossiers before they are ingested."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat, parse

from claimgraph.errors import InputError
from claimgraph.extract import read_dossier
from claimgraph.model import ValidationReport, Validator, Vocabulary, map_dossier
from claimgraph.model.shacl import Term
from claimgraph.services.ingest import DOSSIER_SUFFIXES, dossier_files
from claimgraph.store import Store

__all__ = ["validate_store", "validate_files"]


def validate_store(store: Store, validator: Validator) -> ValidationReport:
    """Validate the union of all graphs in the store: read a predicate at a time where the shapes allow (each
    read one query, so that this works on a remote store too), or whole into pyshacl."""
    if validator.compiled is not None:
        return validator.validate_source(_StoreSource(store), store.count(), "quads")  # counted while it is open
    buffer = io.BytesIO()
    store.dump(buffer, RdfFormat.N_TRIPLES)
    return validator.validate_ntriples(buffer.getvalue())


class _StoreSource:
    """A store as SHACL's data (the union of its graphs): one query a predicate, one for the types."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def pairs(self, predicate: NamedNode) -> Iterator[tuple[Term, Term]]:
        for row in self.store.query(f"SELECT ?s ?o WHERE {{ ?s {predicate} ?o }}"):  # type: ignore[union-attr]
            yield row[0], row[1]

    def typed(self, classes: set[Term]) -> Iterator[tuple[Term, Term]]:
        if not classes:
            return
        named = " ".join(str(c) for c in classes if isinstance(c, NamedNode))
        for row in self.store.query(f"SELECT ?s ?c WHERE {{ VALUES ?c {{ {named} }} ?s a ?c }}"):  # type: ignore[union-attr]
            yield row[0], row[1]


def validate_files(paths: Iterable[str | Path], validator: Validator, vocabulary: Vocabulary) -> ValidationReport:
    """Validate RDF files (by their extension) and dossiers (as claimgraph would map them), together
    with the shipped vocabulary they may refer to."""
    quads: list[Quad] = list(vocabulary.vocabulary_quads)
    for path in _files(paths):
        if path.suffix.lower() in DOSSIER_SUFFIXES:
            mapped = map_dossier(read_dossier(path), vocabulary.lexicon)
            quads.extend(mapped.quads + mapped.shared)
            continue
        fmt = RdfFormat.from_extension(path.suffix.lstrip(".").lower())
        if fmt is None:
            raise InputError(f"{path}: unknown file type; expected a dossier ({', '.join(DOSSIER_SUFFIXES)}) "
                             "or RDF (.ttl, .nt, .nq, .trig, .jsonld, .rdf)")
        try:
            quads.extend(parse(path=str(path), format=fmt))
        except SyntaxError as exc:
            raise InputError(f"{path}: {exc}") from None
    return validator.validate_quads(quads)


def _files(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            out.extend(dossier_files([path]))
        elif path.is_file():
            out.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    return out
