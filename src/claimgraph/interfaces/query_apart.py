"""``claimgraph query`` in a process of its own, for a query that may sort (see ``cli._query_apart``).

Arguments: the store's folder and the output format; the query on standard input; the answer on standard output,
as ``claimgraph query`` writes it, errors on standard error as it words them, with its exit codes. It imports only
what a query needs: about 60 ms of start-up.
"""

from __future__ import annotations

import os
import sys

from claimgraph.errors import ClaimgraphError
from claimgraph.services.sparql import run_query
from claimgraph.store import open_store


def main(argv: list[str]) -> int:
    location, fmt = argv
    try:
        store = open_store(location, create=False)
        try:
            run_query(store, sys.stdin.read(), sys.stdout.buffer, fmt)
            sys.stdout.flush()
        finally:
            store.close()
    except ClaimgraphError as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            print(f"claimgraph: error: {line}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # the reader (head, less) went away: not an error of ours
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - one line, not a traceback, as the command says it
        if os.environ.get("CLAIMGRAPH_DEBUG"):
            raise
        print(f"claimgraph: internal error: {type(exc).__name__}: {exc} (set CLAIMGRAPH_DEBUG=1 to see where)",
              file=sys.stderr)
        return 70
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
