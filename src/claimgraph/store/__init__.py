"""Stores: a small protocol and its implementations (the embedded pyoxigraph store for now)."""

from __future__ import annotations

from claimgraph.config import MEMORY
from claimgraph.errors import UsageError
from claimgraph.store.base import QueryResult, Store
from claimgraph.store.oxigraph import OxigraphStore

__all__ = ["OxigraphStore", "QueryResult", "Store", "open_store"]


def open_store(location: str) -> Store:
    """Open the store that ``location`` names: a folder path, or ``memory:``."""
    if location == MEMORY:
        return OxigraphStore(None)
    if "://" in location:
        raise UsageError(f"remote stores are not supported yet: {location!r} (use a folder path or memory:)")
    return OxigraphStore(location)
