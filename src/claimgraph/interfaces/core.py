"""The one object every interface uses: a store opened from settings, with the shipped ontology,
vocabulary and shapes. The CLI, the HTTP app and the tests all go through it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

from claimgraph.config import Settings
from claimgraph.errors import ClaimgraphError
from claimgraph.extract import DossierRecord
from claimgraph.model import ValidationReport, Validator, Vocabulary, load_vocabulary
from claimgraph.services import export as export_service
from claimgraph.services import sparql
from claimgraph.services.ingest import IngestResult, Ingestor
from claimgraph.services.stats import Stats, stats
from claimgraph.services.validate import validate_files, validate_store
from claimgraph.store import Store, open_store

__all__ = ["Claimgraph"]


class Claimgraph:
    """claimgraph over one store. Use as a context manager, or call :meth:`close`."""

    def __init__(self, settings: Settings | None = None, store: Store | None = None, *, create: bool = True) -> None:
        self.settings = settings or Settings.from_env()
        self.store = store if store is not None else open_store(self.settings.store, create=create)

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
        ingestor = Ingestor(self.store, self.vocabulary, self.validator if validate else None)
        return ingestor.ingest_paths(paths, keep_going=keep_going, progress=progress)

    def ingest_records(self, records: list[DossierRecord], *, validate: bool = True) -> list[IngestResult]:
        """Ingest already-parsed dossiers (for example one received over HTTP)."""
        results, _ = Ingestor(self.store, self.vocabulary, self.validator if validate else None).ingest_records(records)
        return results

    def query(self, sparql_text: str, output: BinaryIO, fmt: str = "table") -> None:
        sparql.run_query(self.store, sparql_text, output, fmt)

    def validate(self, paths: Iterable[str | Path] | None = None) -> ValidationReport:
        paths = list(paths or [])
        if paths:
            return validate_files(paths, self.validator, self.vocabulary)
        return validate_store(self.store, self.validator)

    def export(self, output: BinaryIO, fmt: str = "nquads", dossier: str | None = None) -> None:
        export_service.export(self.store, output, fmt, dossier)

    def stats(self) -> Stats:
        return stats(self.store)

    def close(self) -> None:
        self.store.close()
