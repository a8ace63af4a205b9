"""The query executor: worker processes over store snapshots, answers streamed with flow control."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from claimgraph.config import Settings
from claimgraph.interfaces.core import Claimgraph
from claimgraph.services import executor as executor_module
from claimgraph.services.executor import QueryExecutor
from claimgraph.services.query_worker import CHUNK
from tests.conftest import SEED

DIGITS = " ".join(str(i) for i in range(100))
#: a million rows (~60 MB of SPARQL JSON) that need no data
MILLION = f"SELECT ?a ?b ?c WHERE {{ VALUES ?a {{ {DIGITS} }} VALUES ?b {{ {DIGITS} }} VALUES ?c {{ {DIGITS} }} }}"


def test_a_large_answer_read_slowly_fills_no_more_than_the_executors_buffer(tmp_path: Path) -> None:
    """While the client does not read, the executor stops reading the worker once ``_BUFFERED`` bytes wait (the
    worker then blocks on its socket); read to the end, the answer is whole, and the worker serves again."""

    async def main() -> tuple[int, int, bytes, int]:
        with Claimgraph(Settings(store=str(tmp_path / "store"))) as graph:
            graph.ingest([SEED])
            executor = QueryExecutor(graph.store, workers=1)
            await executor.start()
            try:
                worker = executor._idle._queue[0]  # type: ignore[attr-defined]
                answer = await executor.run(MILLION, accept="application/sparql-results+json")
                assert answer.chunks is not None
                chunks = answer.chunks.__aiter__()
                first = await chunks.__anext__()
                await asyncio.sleep(1.5)  # the worker goes on writing meanwhile, as far as it is let
                held = worker.connection.held
                body = bytearray(first)
                async for chunk in chunks:
                    body += chunk
                after = await executor.run("ASK { ?s ?p ?o }", accept="application/sparql-results+json")
                return held, len(json.loads(body)["results"]["bindings"]), after.body or b"", executor._idle.qsize()
            finally:
                await executor.close()

    held, rows, after, idle = asyncio.run(main())
    assert 0 < held <= executor_module._BUFFERED + CHUNK + 64
    assert rows == 100 ** 3
    assert json.loads(after)["boolean"] is True and idle == 1


def test_a_worker_that_stops_while_answering_is_replaced_and_the_error_says_how_it_stopped(tmp_path: Path) -> None:
    """A worker that aborts (pyoxigraph aborts its process on some ORDER BY) or is killed (by the kernel, short of
    memory) while it evaluates: the query fails with an error that says which, and the next query is answered."""
    import os
    import signal

    from claimgraph.errors import QueryError

    slow = f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?a {{ {DIGITS} }} VALUES ?b {{ {DIGITS} }} " \
           f"VALUES ?c {{ {DIGITS} }} VALUES ?d {{ {DIGITS} }} }}"

    async def main() -> list[str]:
        with Claimgraph(Settings(store=str(tmp_path / "store"))) as graph:
            graph.ingest([SEED])
            executor = QueryExecutor(graph.store, workers=1)
            await executor.start()
            said = []
            try:
                for stop in (signal.SIGABRT, signal.SIGKILL):
                    worker = executor._idle._queue[0]  # type: ignore[attr-defined]
                    asked = asyncio.ensure_future(executor.run(slow, accept="application/sparql-results+json"))
                    await asyncio.sleep(0.5)  # evaluating: 100 million rows to count
                    assert not asked.done()
                    os.kill(worker.process.pid, stop)
                    try:
                        await asked
                    except QueryError as exc:
                        said.append(str(exc))
                    after = await executor.run("ASK { ?s ?p ?o }", accept="application/sparql-results+json")
                    assert json.loads(after.body or b"")["boolean"] is True
            finally:
                await executor.close()
            return said

    said = asyncio.run(main())
    assert len(said) == 2
    assert "aborted" in said[0] and "replaced" in said[0], said
    assert "killed" in said[1] and "memory" in said[1], said
