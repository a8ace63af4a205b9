"""Streaming a store dump: the writer runs in a thread and hands chunks over a bounded queue, so a
response can send a dump of any size with flat memory."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from pyoxigraph import RdfFormat

from claimgraph.store import Store

__all__ = ["stream_dump"]

_CHUNK = 64 * 1024
_END = object()


class _QueueWriter:
    def __init__(self, out: queue.Queue[object]) -> None:
        self.out = out
        self.buffer = bytearray()
        self.closed = False

    def write(self, data: bytes) -> int:
        if self.closed:
            raise OSError("the reader went away")
        self.buffer += data
        if len(self.buffer) >= _CHUNK:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self.buffer:
            self.out.put(bytes(self.buffer))
            self.buffer.clear()


def stream_dump(store: Store, fmt: RdfFormat) -> Iterator[bytes]:
    """Chunks of the whole store serialised as ``fmt`` (a dataset format)."""
    chunks: queue.Queue[object] = queue.Queue(maxsize=16)
    writer = _QueueWriter(chunks)
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            store.dump(writer, fmt)  # type: ignore[arg-type]
            writer.flush()
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            failure.append(exc)
        finally:
            chunks.put(_END)

    thread = threading.Thread(target=produce, name="claimgraph-dump", daemon=True)
    thread.start()
    try:
        while True:
            item = chunks.get()
            if item is _END:
                break
            yield item  # type: ignore[misc]
        if failure and not isinstance(failure[0], OSError):
            raise failure[0]
    finally:
        writer.closed = True
        while thread.is_alive():  # unblock a producer waiting on a full queue
            try:
                chunks.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)
