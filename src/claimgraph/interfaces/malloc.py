"""The ``malloc`` a long-running claimgraph process runs on: jemalloc where the system has it.

pyoxigraph (its query engine in Rust, RocksDB in C++) allocates and frees many small blocks for each query it
evaluates. Measured here with glibc's ``malloc`` a small query spent about a sixth of its CPU in it; with jemalloc
a small SELECT took 116 µs of CPU instead of 139 in a loop, and ``claimgraph serve`` answered 21% more small
queries never asked before under load, spending 240 µs of CPU a request instead of 295 (``bench/floor.py
--preload``; docs/performance.md, *The allocator*). An allocator can only be chosen before a process starts, so
``claimgraph serve``, before it opens anything, starts again in the same process (``exec``) with the library in
``LD_PRELOAD``, which every process it starts (fronts, query workers) inherits.

``CLAIMGRAPH_MALLOC``: ``jemalloc`` (the default: used when the system has it, Debian's ``libjemalloc2``; the
system's ``malloc`` otherwise), ``system``, or the path of a ``malloc`` library. Linux only: elsewhere nothing
changes.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["library", "preloaded", "restart_with", "in_use"]


def library(choice: str) -> str | None:
    """The library ``choice`` (a ``CLAIMGRAPH_MALLOC`` value) names, to preload; ``None``: the system's
    ``malloc`` (asked for, not on Linux, or jemalloc not installed)."""
    if choice == "system" or not sys.platform.startswith("linux"):
        return None
    if choice == "jemalloc":
        return ctypes.util.find_library("jemalloc")  # its file name (libjemalloc.so.2), found as ld.so finds it
    return choice


def _preloads(environ: Mapping[str, str]) -> list[str]:
    return environ.get("LD_PRELOAD", "").replace(":", " ").split()


def preloaded(lib: str) -> bool:
    """Whether this process was started with ``lib`` in ``LD_PRELOAD``, by any path (whether or not it could be
    loaded)."""
    return _stem(lib) in {_stem(p) for p in _preloads(os.environ)}


def restart_with(lib: str, argv: Sequence[str]) -> None:
    """Start this command again in this process (same process id, same open files), ``lib`` preloaded first."""
    sys.stdout.flush()
    sys.stderr.flush()
    env = {**os.environ, "LD_PRELOAD": " ".join([lib, *_preloads(os.environ)])}
    os.execve(sys.executable, [sys.executable, "-m", "claimgraph", *argv], env)


def in_use() -> str:
    """The name of the ``malloc`` this process runs on: a preloaded library it has mapped, or "the system's"."""
    preloads = {_stem(p) for p in _preloads(os.environ)}
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            mapped = {_stem(parts[5].strip()) for parts in (line.split(maxsplit=5) for line in maps)
                      if len(parts) == 6}
    except OSError:
        return "the system's"
    found = sorted(preloads & mapped)
    return found[0].removeprefix("lib") if found else "the system's"


def _stem(path: str) -> str:
    """``libjemalloc`` of ``/usr/lib/…/libjemalloc.so.2``."""
    return Path(path).name.split(".so")[0]
