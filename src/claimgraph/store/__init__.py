"""Stores: a small protocol and its implementations (the embedded pyoxigraph store for now)."""

from __future__ import annotations

from claimgraph.config import MEMORY
from pathlib import Path

from claimgraph.errors import StoreError, UsageError
from claimgraph.store.base import QueryResult, Store
from claimgraph.store.oxigraph import OxigraphStore, canonical

__all__ = ["OxigraphStore", "QueryResult", "Store", "canonical", "open_store"]


def open_store(location: str, *, create: bool = True) -> Store:
    """Open the store that ``location`` names: a folder path, or ``memory:``.

    With ``create=False`` a folder that does not exist yet is an error rather than a new empty store,
    so that a mistyped path is not answered with empty results.
    """
    if location == MEMORY:
        return OxigraphStore(None)
    if "://" in location:
        raise UsageError(f"remote stores are not supported yet: {location!r} (use a folder path or memory:)")
    path = Path(location)
    if not create and not path.exists():
        raise StoreError(f"no store at {location} (`claimgraph ingest` creates one)")
    if path.exists() and not path.is_dir():
        raise StoreError(f"{location} is a file, not a store folder")
    return OxigraphStore(path)
