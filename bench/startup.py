"""A server's start on a store, the first time and the next: how long ``claimgraph serve`` takes until it answers
and until its start-up work is done, against raw pyoxigraph opening the same store.

    python bench/startup.py [--claims 10000] [--store STORE] [--starts 2] [--drop-caches] [--write]

The start-up work (``/health`` says ``"warm": true`` once it is done) makes the conflicts current, reads their facts
into memory and makes the home page. A server keeps the facts and the home page in the store's folder when it stops
(``store/kept.py``); the next start takes them from there while nothing has written the store. The bench runs on a
checkpoint of the store (``--store``: hard links, when on the same file system; else a store it generates with
``--claims``), removes what earlier servers kept there, then starts and stops ``claimgraph serve`` ``--starts``
times: the first start derives everything, the next ones start from what the one before kept. For each start it
prints the seconds until the server answers ``/health`` and until it is warm, the peak memory of the store's
process, how long it took to stop (keeping what it derived) and the size of what it kept; then the ratio of the
last start's warm time to the first's. The baseline, in the same run: raw pyoxigraph opening the store and
answering one query. ``--write``: once the last start is warm, one dossier is written over HTTP and the home page
asked for until it is of the store as written (a home page slow to make is sent as it was meanwhile, saying so).
``--drop-caches`` (root, Linux) empties the page cache before each start and the baseline: at 1M claims a start
then waits for the disk as it would after a reboot.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
TOKEN = "bench-startup"


def drop_caches() -> None:
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def health(port: int) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as response:
            return json.load(response)  # type: ignore[no-any-return]
    except OSError:
        return None


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def home_after_a_write(port: int, limit: float) -> dict[str, float]:
    """One dossier written over HTTP, then the home page asked for until it is of the store as written: the time of
    the first answer (which says whether it is current), and the time until one is."""
    slug = f"bench-startup-{time.time_ns()}"  # a dossier the store cannot hold yet
    dossier = (f"# Bench write {slug}\n\n- **canonical:** /dossier/{slug}\n\n## Claims\n\n"
               "### [evidence] LLaMA-65B scores 63.4% on MMLU (5-shot).\n\n"
               "**Provenance history** (how this claim ripened):\n"
               "- `2026-01-05` **asserted as evidence** — written by bench/startup.py.\n").encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/dossiers?name={slug}.md", data=dossier,
                                     headers={"Content-Type": "text/markdown", "Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=limit) as response:
        if response.status != 201:
            raise SystemExit(f"the dossier was not written: {response.status} {response.read()[:500]!r}")
    began = time.monotonic()
    figures: dict[str, float] = {}
    while time.monotonic() - began < limit:
        asked = time.monotonic()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.json", timeout=limit) as response:
            current = json.load(response)["current"]
        if "first" not in figures:
            figures["first"], figures["first current"] = time.monotonic() - asked, float(current)
        if current:
            figures["current"] = time.monotonic() - began
            return figures
        time.sleep(0.5)
    raise SystemExit(f"the home page was not current {limit:.0f} s after a write")


def start(store: Path, port: int, limit: float, write: bool = False) -> dict[str, float]:
    """One start of ``claimgraph serve`` on ``store``, until warm (then, with ``write``, a dossier written and the
    home page asked for), then its stop: the figures of it."""
    env = {**os.environ, "CLAIMGRAPH_STORE": str(store), "CLAIMGRAPH_TOKEN": TOKEN}
    began = time.monotonic()
    server = subprocess.Popen([sys.executable, "-m", "claimgraph", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    figures: dict[str, float] = {}
    try:
        while time.monotonic() - began < limit:
            if server.poll() is not None:
                raise SystemExit(f"claimgraph serve ended ({server.returncode}): {server.communicate()[1][-2000:]}")
            state = health(port)
            if state is not None:
                figures.setdefault("answering", time.monotonic() - began)
                if state.get("warm"):
                    figures["warm"] = time.monotonic() - began
                    break
            time.sleep(0.2)
        else:
            raise SystemExit(f"claimgraph serve was not warm after {limit:.0f} s")
        figures["peak"] = peak_mb(server.pid)
        if write:
            figures.update(home_after_a_write(port, limit))
    finally:
        stopping = time.monotonic()
        os.killpg(server.pid, signal.SIGTERM)
        server.communicate(timeout=limit)
        figures["stop"] = time.monotonic() - stopping
    for kept in ("facts", "views"):
        path = store / f"claimgraph-{kept}.json"
        figures[kept] = path.stat().st_size / 1e6 if path.exists() else 0.0
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--store", type=Path, help="an existing claimgraph store (a checkpoint of it is used)")
    parser.add_argument("--starts", type=int, default=2)
    parser.add_argument("--drop-caches", action="store_true", help="empty the page cache before each start (root)")
    parser.add_argument("--limit", type=float, default=7200.0, help="seconds a start may take")
    parser.add_argument("--write", action="store_true",
                        help="once the last start is warm, write a dossier and time the home page until it is current")
    args = parser.parse_args()
    if args.drop_caches and os.geteuid() != 0:
        parser.error("--drop-caches needs root (it writes /proc/sys/vm/drop_caches)")
    # beside the store: a checkpoint is hard links only on the same file system
    work = Path(tempfile.mkdtemp(prefix="claimgraph-startup-", dir=args.store.parent if args.store else None))
    store = work / "store"
    try:
        if args.store:
            ox.Store.read_only(str(args.store)).backup(str(store))
        else:
            from corpus import write_corpus

            write_corpus(work / "corpus", args.claims)
            subprocess.run([sys.executable, "-m", "claimgraph", "ingest", "-q", "--no-validate", str(work / "corpus"),
                            str(ROOT / "seeds")], env={**os.environ, "CLAIMGRAPH_STORE": str(store)}, check=True)
        for kept in store.glob("claimgraph-*.json*"):
            kept.unlink()
        if args.drop_caches:
            drop_caches()
        began = time.monotonic()
        raw = ox.Store(str(store))
        count = next(iter(raw.query("SELECT (COUNT(*) AS ?n) WHERE { ?c a <https://w3id.org/claimgraph/ns#Claim> }",
                                    use_default_graph_as_union=True)))[0].value  # type: ignore[index]
        opened = time.monotonic() - began
        del raw
        print(f"store: {args.store or f'{args.claims} generated claims'} ({count} claims); page cache "
              f"{'emptied before each start' if args.drop_caches else 'as it is'}", flush=True)
        print(f"raw pyoxigraph: opened the store and counted its claims in {opened:.2f} s", flush=True)
        port = 19500 + os.getpid() % 400
        runs = []
        for n in range(args.starts):
            if args.drop_caches:
                drop_caches()
            figures = start(store, port, args.limit, write=args.write and n == args.starts - 1)
            runs.append(figures)
            print(f"start {n + 1} ({'nothing kept' if n == 0 else 'from what the start before kept'}): answering "
                  f"after {figures['answering']:.1f} s, warm after {figures['warm']:.1f} s, store process peak "
                  f"{figures['peak']:.0f} MB; stopped in {figures['stop']:.1f} s, keeping the conflicts' facts "
                  f"({figures['facts']:.1f} MB) and the home page ({figures['views']:.2f} MB)", flush=True)
        if args.write:
            last = runs[-1]
            print(f"a dossier written, then the home page: the first answer in {last['first'] * 1000:.0f} ms "
                  f"({'current' if last['first current'] else 'as it was before the write, saying so'}); current "
                  f"after {last['current']:.1f} s", flush=True)
        if len(runs) > 1:
            print(f"ratio: the last start was warm in {runs[-1]['warm'] / runs[0]['warm']:.3f} of the first's time; "
                  f"{runs[-1]['warm'] / opened:.1f}x raw pyoxigraph's opening", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
