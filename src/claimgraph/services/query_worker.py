"""The query worker: a separate process that answers SPARQL queries from a read-only store snapshot.

It exists so that a runaway query can really be stopped: pyoxigraph has no query timeout and keeps
evaluating after the client has gone, so the executor kills the worker that runs too long and starts
another. Only pyoxigraph and the negotiation helpers are imported here, to keep start-up short.

Messages (bytes, first byte is the tag), worker → executor: ``F`` + media type + newline + body, a whole
small answer; or ``H`` + media type, then ``C`` + chunk …, then ``E`` (end) or ``A`` (aborted mid-stream);
or ``X`` + JSON ``{"status": …, "message": …}``, an error before any answer.
"""

from __future__ import annotations

import json
import sys
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["serve_queries", "evaluate", "CHUNK"]

CHUNK = 64 * 1024


class _PipeWriter:
    """A binary file-like object that sends what is written in chunks over the pipe.

    The head (``H`` + media type) goes out with the first chunk; a result that fits in one chunk goes
    out whole as a single ``F`` message (media type, newline, body), so a small answer costs one message.
    """

    def __init__(self, conn: Connection, media: str) -> None:
        self.conn = conn
        self.media = media.encode("ascii")
        self.buffer = bytearray()
        self.started = False

    def write(self, data: bytes) -> int:
        self.buffer += data
        if len(self.buffer) >= CHUNK:
            self._send_chunk()
        return len(data)

    def _send_chunk(self) -> None:
        if not self.started:
            self.conn.send_bytes(b"H" + self.media)
            self.started = True
        self.conn.send_bytes(b"C" + bytes(self.buffer))
        self.buffer.clear()

    def flush(self) -> None:
        """pyoxigraph may call this; chunks are sent by size and at the end only."""

    def finish(self) -> None:
        if self.started:
            if self.buffer:
                self._send_chunk()
            self.conn.send_bytes(b"E")
        else:
            self.conn.send_bytes(b"F" + self.media + b"\n" + bytes(self.buffer))


def _error(conn: Connection, status: int, message: str) -> None:
    conn.send_bytes(b"X" + json.dumps({"status": status, "message": message}).encode("utf-8"))


def evaluate(store: Any, request: dict[str, Any]) -> Any:
    """``store.query`` as a request (see ``executor.worker_request``) asks: the worker's, and the serving
    processes' when they answer a query themselves, so that both evaluate it alike."""
    import pyoxigraph as ox

    default_graphs, named_graphs = request.get("default_graphs"), request.get("named_graphs")
    return store.query(
        request["query"],
        base_iri=request.get("base_iri"),
        prefixes=request.get("prefixes"),
        use_default_graph_as_union=request.get("union", True) and default_graphs is None,
        default_graph=[ox.NamedNode(g) for g in default_graphs] if default_graphs is not None else None,
        named_graphs=[ox.NamedNode(g) for g in named_graphs] if named_graphs is not None else None,
    )


def serve_queries(conn: Connection) -> None:
    """The worker's main loop: one request at a time, until the pipe closes."""
    import pyoxigraph as ox

    from claimgraph.services.protocol import NotAcceptable, answer_format

    store: Any = None
    opened = None
    while True:
        try:
            request = json.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        if request.get("snapshot") != opened:
            store = None
            store = ox.Store.read_only(request["snapshot"])
            opened = request["snapshot"]
        try:
            result = evaluate(store, request)
        except SyntaxError as exc:
            _error(conn, 400, "SPARQL syntax error: " + " ".join(str(exc).split())[:400])
            continue
        except Exception as exc:  # noqa: BLE001 - evaluation errors go back to the client, the worker stays
            _error(conn, 400, f"the query failed: {' '.join(str(exc).split())[:400]}")
            continue
        try:
            media, fmt = answer_format(result, request.get("accept"))
        except NotAcceptable as exc:
            _error(conn, 406, str(exc))
            continue
        writer = _PipeWriter(conn, media)
        try:
            result.serialize(writer, fmt)
        except Exception as exc:  # noqa: BLE001 - evaluation or serialisation failed
            if writer.started:  # mid-stream: tell the executor to abort the response
                conn.send_bytes(b"A" + str(exc).encode("utf-8", "replace")[:400])
            else:
                _error(conn, 400, f"the query failed: {' '.join(str(exc).split())[:400]}")
            continue
        writer.finish()


def main(argv: list[str]) -> int:
    """Entry point of a worker process: ``python -m claimgraph.services.query_worker FD``, where FD is
    one end of a socket pair inherited from the executor."""
    if len(argv) != 1 or not argv[0].isdigit():
        print("claimgraph's query worker is started by the query executor, not by hand", file=sys.stderr)
        return 2
    serve_queries(Connection(int(argv[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
