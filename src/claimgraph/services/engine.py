"""What is known of the query engine underneath (pyoxigraph) that the rest of claimgraph works around.

pyoxigraph 0.5.13 (the newest on PyPI, and Oxigraph server 0.5.13 alike) **aborts the process** it runs in when an
ORDER BY meets numbers and dates (or times, or years) together: its sort finds that the engine's comparison is
not a total order, and the Rust panic ends the process (SIGABRT), which no Python code can catch. Whether it
happens depends on the order the sort meets the values in. So:

* claimgraph's own queries sort on ``STR()`` or ``xsd:integer()`` of the values of data, never on the values
  (a graph written through the Graph Store Protocol or an update is not validated, and may hold any type);
* a user's query that may sort (``may_sort``) is evaluated in a process that can be lost: a query worker of the
  HTTP endpoint and of the MCP server, a child process of ``claimgraph query``. Its abort is told in words
  (``ABORTED``);
* a SPARQL update that may sort must run in the process that holds the store, the only writer: it is first run on
  a copy of the store in a child process (``try_update``), and refused if the engine aborts there.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from claimgraph.errors import QueryError
from claimgraph.store import Store

__all__ = ["may_sort", "try_update", "ABORTED", "UPDATE_ABORTED"]

#: the word ORDER alone, wherever it is: a comment may stand between ORDER and BY
_ORDER = re.compile(r"\border\b", re.IGNORECASE)

#: what a user is told when the engine aborted while evaluating their query
ABORTED = ("the query engine (pyoxigraph) aborted while evaluating this query. A known cause: pyoxigraph 0.5.13 "
           "aborts on an ORDER BY that meets numbers and dates (or times) together; sort on STR(?x), or on a cast "
           "such as xsd:decimal(?x), or keep one type with FILTER")


#: what a writer is told when the engine aborted while trying their update on a copy of the store
UPDATE_ABORTED = ("the query engine (pyoxigraph) aborted while evaluating this update on a copy of the store, so it "
                  "was not run and nothing was written. A known cause: pyoxigraph 0.5.13 aborts on an ORDER BY that "
                  "meets numbers and dates (or times) together; sort on STR(?x), or on a cast such as "
                  "xsd:decimal(?x), or keep one type with FILTER")

#: the child that tries an update: the copy's folder as its argument, the update and its options on stdin
_TRY = """
import json, sys
import pyoxigraph
asked = json.load(sys.stdin)
try:
    pyoxigraph.Store(sys.argv[1]).update(asked["update"], prefixes=asked["prefixes"], base_iri=asked["base_iri"])
except Exception:
    sys.exit(1)  # an error the update gives again where it is run, and is told from there
"""


def try_update(store: Store, update: str, prefixes: Mapping[str, str] | None = None,
               base_iri: str | None = None) -> None:
    """Run ``update`` on a copy of ``store`` (a RocksDB checkpoint: hard links) in a child process, and raise
    QueryError (``UPDATE_ABORTED``) if the engine aborts it there. Call it holding the store's write lock, just
    before running the update on the store: the copy is then the store the update will meet, and the engine's
    sort meets the values in the same order. The update is refused too if the child is killed (out of memory,
    say); an error of the update's own is left for the update to give where it is run."""
    folder = Path(tempfile.mkdtemp(prefix="claimgraph-trial-"))
    try:
        store.snapshot(folder / "copy")
        asked = {"update": update, "prefixes": dict(prefixes) if prefixes else None, "base_iri": base_iri}
        child = subprocess.run([sys.executable, "-c", _TRY, str(folder / "copy")], input=json.dumps(asked).encode(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if child.returncode == -signal.SIGABRT:
        raise QueryError(UPDATE_ABORTED)
    if child.returncode < 0:  # killed (the OOM killer's SIGKILL, say): the update would fare no better here
        name = signal.Signals(-child.returncode).name
        raise QueryError(f"the process trying this update on a copy of the store was ended by {name}"
                         + (" (out of memory?)" if child.returncode == -signal.SIGKILL else "")
                         + ", so it was not run and nothing was written")


def may_sort(query: str) -> bool:
    """Whether ``query`` may sort (the word ORDER, in any case, anywhere in it: in a literal or a comment too,
    which only ever errs on the safe side)."""
    return "order" in query.lower() and _ORDER.search(query) is not None
