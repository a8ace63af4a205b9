"""Stores: a small protocol and its implementations: the embedded pyoxigraph store, and any SPARQL 1.1 server."""

from __future__ import annotations

from pathlib import Path

from claimgraph.config import MEMORY, RemoteSettings
from claimgraph.errors import StoreError, UsageError
from claimgraph.store.base import QueryResult, Store
from claimgraph.store.oxigraph import OxigraphStore, canonical

__all__ = ["OxigraphStore", "QueryResult", "Store", "canonical", "open_store"]


def open_store(location: str, *, create: bool = True, remote: RemoteSettings | None = None) -> Store:
    """Open the store that ``location`` names: a folder path, ``memory:``, or a remote store's
    ``sparql+http(s)://`` URL (reached as ``remote`` says).

    With ``create=False`` a folder that does not exist yet is an error rather than a new empty store,
    so that a mistyped path is not answered with empty results.
    """
    if location == MEMORY:
        return OxigraphStore(None)
    if location.startswith(("sparql+http://", "sparql+https://")):
        from claimgraph.store.remote import RemoteStore, remote_auth

        remote = remote or RemoteSettings()
        auth = remote_auth(remote.auth, user=remote.user, password=remote.password)
        return RemoteStore(location, update_url=remote.update_url, graph_store_url=remote.graph_store_url,
                           auth=auth, dialect=remote.dialect, timeout=remote.timeout)
    if "://" in location:
        raise UsageError(f"a store is a folder path, memory:, or a remote store URL such as "
                         f"sparql+http://127.0.0.1:7878/query; got {location!r}")
    path = Path(location)
    if not create and not path.exists():
        raise StoreError(f"no store at {location} (`claimgraph ingest` creates one)")
    if path.exists() and not path.is_dir():
        raise StoreError(f"{location} is a file, not a store folder")
    return OxigraphStore(path)
