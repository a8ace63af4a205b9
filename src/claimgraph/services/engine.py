"""What is known of the query engine underneath (pyoxigraph) that the rest of claimgraph works around.

pyoxigraph 0.5.13 (the newest on PyPI, and Oxigraph server 0.5.13 alike) **aborts the process** it runs in when an
ORDER BY meets numbers and dates (or times, or years) together: its sort finds that the engine's comparison is
not a total order, and the Rust panic ends the process (SIGABRT), which no Python code can catch. Whether it
happens depends on the order the sort meets the values in. So:

* claimgraph's own queries sort on ``STR()`` or ``xsd:integer()`` of the values of data, never on the values
  (a graph written through the Graph Store Protocol or an update is not validated, and may hold any type);
* a user's query that may sort (``may_sort``) is evaluated in a process that can be lost: a query worker of the
  HTTP endpoint and of the MCP server, a child process of ``claimgraph query``. Its abort is told in words
  (``ABORTED``).
"""

from __future__ import annotations

import re

__all__ = ["may_sort", "ABORTED"]

#: the word ORDER alone, wherever it is: a comment may stand between ORDER and BY
_ORDER = re.compile(r"\border\b", re.IGNORECASE)

#: what a user is told when the engine aborted while evaluating their query
ABORTED = ("the query engine (pyoxigraph) aborted while evaluating this query. A known cause: pyoxigraph 0.5.13 "
           "aborts on an ORDER BY that meets numbers and dates (or times) together; sort on STR(?x), or on a cast "
           "such as xsd:decimal(?x), or keep one type with FILTER")


def may_sort(query: str) -> bool:
    """Whether ``query`` may sort (the word ORDER, in any case, anywhere in it: in a literal or a comment too,
    which only ever errs on the safe side)."""
    return "order" in query.lower() and _ORDER.search(query) is not None
