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
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, TextIO

__all__ = ["read", "write", "restamp", "remove", "code_digest"]

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


def write(folder: Path, name: str, stamp: str, values: Iterable[Any]) -> Path:
    """Keep ``values`` (each made of JSON's values) as ``claimgraph-NAME.json`` in ``folder``, for the store whose
    folder's stamp is ``stamp``: JSON lines, a header (the stamp, the code's digest), a line a value, and a last line
    that says how many there were; a temporary file, then renamed over the old one, so that a reader sees one or the
    other, whole."""
    target = folder / f"claimgraph-{name}.json"
    temporary = target.with_name(target.name + ".part")
    try:
        with open(temporary, "w", encoding="utf-8") as out:
            out.write(json.dumps({"claimgraph": f"{name}, kept between two runs of a server", "format": _FORMAT,
                                  "code": code_digest(), "stamp": stamp}) + "\n")
            count = 0
            for value in values:
                out.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n")
                count += 1
            out.write(json.dumps({"end": count}) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


def read(folder: Path, name: str, stamp: str) -> Iterator[Any] | None:
    """The values kept as ``name`` in ``folder``, one at a time, if they were kept for the store whose folder's stamp
    is ``stamp`` by this code; None when there are none or they are for something else (said in the log). The
    iterator raises ValueError where the file turns out not to be whole: the caller lets go of what it read."""
    path = folder / f"claimgraph-{name}.json"
    try:
        source = open(path, encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        _LOG.warning("ignored %s: %s", path.name, exc)
        return None
    try:
        header = json.loads(source.readline())
    except (OSError, ValueError) as exc:
        header = None
        _LOG.warning("ignored %s: %s", path.name, exc)
    if not isinstance(header, dict) or header.get("format") != _FORMAT or header.get("code") != code_digest():
        source.close()
        if header is not None:
            _LOG.info("ignored %s: kept by another version of claimgraph", path.name)
        return None
    if header.get("stamp") != stamp:
        source.close()
        _LOG.info("ignored %s: the store was written after it", path.name)
        return None
    return _values(source)


def _values(source: TextIO) -> Iterator[Any]:
    # a line at a time: other threads run between two (json holds the GIL while it reads one), and memory holds
    # one line's values
    with source:
        count = 0
        for line in source:
            value = json.loads(line)
            if isinstance(value, dict) and "end" in value:
                if value["end"] != count:
                    raise ValueError(f"{value['end']} values announced, {count} read")
                return
            yield value
            count += 1
        raise ValueError("the file ends before its last line")


def restamp(folder: Path, name: str, was: str, now: str) -> bool:
    """Mark what was kept as ``name`` for the store whose folder's stamp was ``was`` as kept for the stamp ``now``
    (the store was opened and closed in between, nothing written): the header, first line, is rewritten in place,
    as long as before, and the rest left as it is. Returns whether it was done (else the caller writes it all again).
    A header torn by a crash is not JSON, or names neither stamp: the file is then ignored, never misread."""
    path = folder / f"claimgraph-{name}.json"
    try:
        with open(path, "r+b") as file:
            line = file.readline()
            header = json.loads(line)
            if not isinstance(header, dict) or header.get("format") != _FORMAT or \
                    header.get("code") != code_digest() or header.get("stamp") != was:
                return False
            new = (json.dumps({**header, "stamp": now}) + "\n").encode()
            if len(new) != len(line):
                return False
            file.seek(0)
            file.write(new)
            file.flush()
            os.fsync(file.fileno())
        return True
    except (OSError, ValueError):
        return False


def remove(folder: Path, name: str) -> None:
    """Remove what was kept as ``name`` in ``folder`` (it no longer describes the store)."""
    (folder / f"claimgraph-{name}.json").unlink(missing_ok=True)
