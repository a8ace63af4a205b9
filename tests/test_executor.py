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
