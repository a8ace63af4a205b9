from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from claimgraph.config import Settings
from claimgraph.interfaces.core import Claimgraph

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED = next(SEEDS.glob("*.txt"))
REAL = SEEDS / "real"  # dossiers written from public, sourced figures (each claim names its source)
DATA = Path(__file__).resolve().parent / "data"
DOSSIERS = DATA / "dossiers"


@pytest.fixture
def graph() -> Iterator[Claimgraph]:
    """An empty claimgraph on an in-memory store."""
    with Claimgraph(Settings(store="memory:")) as g:
        yield g


@pytest.fixture
def seeded(graph: Claimgraph) -> Claimgraph:
    graph.ingest([SEED])
    return graph


def select(graph: Claimgraph, sparql: str, **bindings: object) -> list[dict[str, str]]:
    """Rows of a SELECT as {variable: value} with the predeclared prefixes."""
    from claimgraph.namespaces import PREFIXES

    result = graph.store.query(sparql, prefixes=PREFIXES, substitutions=bindings or None)  # type: ignore[arg-type]
    names = [v.value for v in result.variables]  # type: ignore[union-attr]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]  # type: ignore[union-attr]


def run_cli(*args: str, store: Path | str | None = None, stdin: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `claimgraph ARGS` in a fresh process, as a user would."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMGRAPH_")}
    if store is not None:
        full_env["CLAIMGRAPH_STORE"] = str(store)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "claimgraph", *args], input=stdin, capture_output=True,
                          text=True, env=full_env, cwd=ROOT, timeout=120)


SHARED_TOOLS = ROOT.parent / "shared" / "tools"
TOKEN = "test-token-7f3a"


def child_processes(parent: int, module: str) -> list[int]:
    """The children of process ``parent`` started as ``python -m module`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and module.encode() in command:
            found.append(int(entry.name))
    return found


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """`claimgraph serve` in its own process, on loopback, over a store built from seeds/."""

    def __init__(self, store: Path, env: dict[str, str], args: tuple[str, ...] = ()) -> None:
        import time
        import urllib.request

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        import tempfile

        full_env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMGRAPH_")}
        # the server's private folders (its socket, its snapshots) go here, and go with ``stop``, even when a
        # test kills the server, which then cannot remove them itself
        self.tmp = Path(tempfile.mkdtemp(prefix="claimgraph-test-"))
        full_env.update(env, TMPDIR=str(self.tmp))
        self.process = subprocess.Popen([sys.executable, "-m", "claimgraph", "serve", "--store", str(store),
                                         "--port", str(self.port), *args], env=full_env, cwd=ROOT,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2):
                    break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.process.terminate()  # if it is still starting; what it said is read to its end
                    said = self.process.stdout.read() if self.process.stdout else ""
                    self.stop()
                    raise RuntimeError("claimgraph serve did not start: " + said) from None
                time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        import shutil

        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    store = tmp_path_factory.mktemp("live") / "store"
    done = run_cli("ingest", str(SEED), store=store)
    assert done.returncode == 0, done.stderr
    # two front processes whatever the machine (see claimgraph.interfaces.http.front)
    server = LiveServer(store, {"CLAIMGRAPH_TOKEN": TOKEN, "CLAIMGRAPH_QUERY_TIMEOUT": "3",
                                "CLAIMGRAPH_SERVE_PROCESSES": "2"})
    try:
        yield server
    finally:
        server.stop()
