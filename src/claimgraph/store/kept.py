"""What a server derived from an on-disk store, kept in files in the store's folder between two of its runs, so that
the next one starts in seconds instead of deriving it again (the conflicts' facts, the home page: minutes at 1M
claims).

A file is written as the server stops, once the store is closed, with the folder's stamp
(:func:`~claimgraph.store.oxigraph.folder_stamp`: the names, sizes and times of its files) and a digest of
claimgraph's code; it is read as the next one starts only if the folder's stamp before it opened the store is that
one and the code is the same. Any write in between, by claimgraph or by anything else that opened the store
read-write, changes the folder, and what was kept is derived from the store again, as without it.

The files are JSON (nothing in them can run code: a store may come from someone else), named ``claimgraph-…``,
which RocksDB leaves alone; a file that is not whole, or not what this module writes, is ignored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["read", "write", "remove", "code_digest"]

_LOG = logging.getLogger("claimgraph")
_FORMAT = 1


@cache
def code_digest() -> str:
    """A digest of every file of the claimgraph package (its code and its queries): what is kept depends on them as
    much as on the store."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(str(_FORMAT).encode())
    for path in sorted(p for p in package.rglob("*") if p.suffix in (".py", ".rq") and "__pycache__" not in p.parts):
        digest.update(f"{path.relative_to(package)}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def write(folder: Path, name: str, stamp: str, payload: Any) -> Path:
    """Keep ``payload`` (JSON's values) as ``claimgraph-NAME.json`` in ``folder``, for the store whose folder's
    stamp is ``stamp``: a temporary file, then renamed over the old one, so that a reader sees one or the other,
    whole."""
    target = folder / f"claimgraph-{name}.json"
    temporary = target.with_name(target.name + ".part")
    text = json.dumps({"claimgraph": f"{name}, kept between two runs of a server", "format": _FORMAT,
                       "code": code_digest(), "stamp": stamp, "payload": payload},
                      ensure_ascii=False, separators=(",", ":"))
    try:
        with open(temporary, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


def read(folder: Path, name: str, stamp: str) -> Any | None:
    """The payload kept as ``name`` in ``folder`` if it was kept for the store whose folder's stamp is ``stamp`` by
    this code; None when there is none, or it is for something else, or its file is not whole (said in the log)."""
    path = folder / f"claimgraph-{name}.json"
    try:
        with open(path, encoding="utf-8") as source:
            kept = json.load(source)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        _LOG.warning("ignored %s: %s", path.name, exc)
        return None
    if not isinstance(kept, dict) or kept.get("format") != _FORMAT or kept.get("code") != code_digest():
        _LOG.info("ignored %s: kept by another version of claimgraph", path.name)
        return None
    if kept.get("stamp") != stamp:
        _LOG.info("ignored %s: the store was written after it", path.name)
        return None
    return kept.get("payload")


def remove(folder: Path, name: str) -> None:
    """Remove what was kept as ``name`` in ``folder`` (it no longer describes the store)."""
    (folder / f"claimgraph-{name}.json").unlink(missing_ok=True)
