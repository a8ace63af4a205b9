"""SHACL validation of the store, of RDF files, or of dossiers before they are ingested."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import Quad, RdfFormat, parse

from claimgraph.errors import InputError
from claimgraph.extract import read_dossier
from claimgraph.model import ValidationReport, Validator, Vocabulary, map_dossier
from claimgraph.services.ingest import DOSSIER_SUFFIXES, dossier_files
from claimgraph.store import Store

__all__ = ["validate_store", "validate_files"]


def validate_store(store: Store, validator: Validator) -> ValidationReport:
    """Validate the union of all graphs in the store."""
    buffer = io.BytesIO()
    store.dump(buffer, RdfFormat.N_TRIPLES)
    return validator.validate_ntriples(buffer.getvalue())


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
