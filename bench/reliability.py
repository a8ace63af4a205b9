"""The figures of docs/reliability.md: crash safety, consistent reads under writes, backup round trips.

    python bench/reliability.py kill [--claims 2000] [--kills 20]
    python bench/reliability.py readers [--claims 400] [--clients 4]
    python bench/reliability.py roundtrip [--claims 2000]

Each prints what it tried, what it injected and what it lost (which must be 0). They run the real command line
and a real server, as a user would; the same scenarios, smaller, are tests in tests/test_hardening.py.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from corpus import write_corpus  # noqa: E402

PER_DOSSIER = 20
CLAIMS_PER_DOSSIER = "SELECT ?d (COUNT(?c) AS ?n) WHERE { ?c a cg:Claim ; cg:inDossier ?d } GROUP BY ?d"
ENV = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMGRAPH_")}


def cli(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "claimgraph", *args, "--store", str(store)], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=3600)


def counts(store: Path) -> dict[str, int]:
    done = cli("query", "--format", "json", CLAIMS_PER_DOSSIER, store=store)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return {r["d"]["value"]: int(r["n"]["value"]) for r in json.loads(done.stdout)["results"]["bindings"]}


def kill(args: argparse.Namespace, tmp: Path) -> None:
    corpus = tmp / "corpus"
    write_corpus(corpus, args.claims, per_dossier=PER_DOSSIER, seed=7)
    rng = random.Random(2026)
    started = time.monotonic()
    cli("ingest", "--no-validate", "-q", str(corpus), store=tmp / "probe")
    window = time.monotonic() - started
    full = counts(tmp / "probe")
    torn = invalid = lost = partial = 0
    for attempt in range(args.kills):
        store = tmp / f"store-{attempt}"
        victim = subprocess.Popen([sys.executable, "-m", "claimgraph", "ingest", "--no-validate", "-q", "--store",
                                   str(store), str(corpus)], env=ENV, cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, window))
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        if store.exists():
            held = counts(store)
            torn += sum(1 for n in held.values() if n != PER_DOSSIER)
            partial += 0 < len(held) < len(full)
            invalid += cli("validate", store=store).returncode != 0
        cli("ingest", "-q", str(corpus), store=store)
        after = counts(store)
        lost += sum(1 for d, n in full.items() if after.get(d) != n)
    print(f"kill: {args.claims} claims in {len(full)} dossiers; an uninterrupted ingest takes {window:.1f} s")
    print(f"  SIGKILLs injected at random points: {args.kills}; of them, mid-batch (some dossiers written, not all): "
          f"{partial}")
    print(f"  dossiers found half-written: {torn}; stores failing SHACL after reopening: {invalid}")
    print(f"  dossiers missing or wrong after the next ingest (data lost): {lost}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def readers(args: argparse.Namespace, tmp: Path) -> None:
    corpus = tmp / "corpus"
    paths = write_corpus(corpus, args.claims, per_dossier=PER_DOSSIER, seed=11)
    store = tmp / "store"
    cli("ingest", "-q", str(ROOT / "seeds"), store=store)
    port, token = free_port(), "reliability-token"
    env = ENV | {"CLAIMGRAPH_TOKEN": token, "CLAIMGRAPH_STORE": str(store), "CLAIMGRAPH_WRITE_BURST": "100000"}
    server = subprocess.Popen([sys.executable, "-m", "claimgraph", "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/health", timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    errors: list[str] = []
    reads = torn = 0
    writing = True
    lock = threading.Lock()

    def reader() -> None:
        nonlocal reads, torn
        query = f"{url}/sparql?" + urllib.parse.urlencode({"query": CLAIMS_PER_DOSSIER})
        while writing:
            try:
                request = urllib.request.Request(query, headers={"Accept": "application/sparql-results+json"})
                with urllib.request.urlopen(request, timeout=30) as response:
                    rows = json.load(response)["results"]["bindings"]
                bad = sum(1 for r in rows if "synthetic" in r["d"]["value"] and int(r["n"]["value"]) != PER_DOSSIER)
                with lock:
                    reads += 1
                    torn += bad
            except Exception as exc:  # noqa: BLE001 - every failure is counted
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=reader) for _ in range(args.clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    written = 0
    try:
        for path in paths:
            request = urllib.request.Request(f"{url}/api/dossiers?name={path.name}", data=path.read_bytes(),
                                             method="POST", headers={"Authorization": f"Bearer {token}",
                                                                     "Content-Type": "text/markdown"})
            with urllib.request.urlopen(request, timeout=120) as response:
                written += response.status == 201
    finally:
        writing = False
        for thread in threads:
            thread.join(timeout=60)
        server.terminate()
        server.wait(timeout=30)
    took = time.monotonic() - started
    held = [d for d in counts(store) if "synthetic" in d]
    print(f"readers: {args.clients} concurrent clients querying while {len(paths)} dossiers ({args.claims} claims) "
          f"were posted over {took:.1f} s")
    print(f"  queries answered: {reads} ({reads / took:.0f}/s); errors: {len(errors)}; torn reads: {torn}")
    print(f"  dossiers written: {written}; held afterwards: {len(held)}; lost: {len(paths) - len(held)}")


def roundtrip(args: argparse.Namespace, tmp: Path) -> None:
    corpus = tmp / "corpus"
    write_corpus(corpus, args.claims, per_dossier=PER_DOSSIER, seed=5)
    source = tmp / "source"
    cli("ingest", "-q", "--no-validate", str(ROOT / "seeds"), str(corpus), store=source)
    for suffix in (".nq", ".trig"):
        dump, target = tmp / f"backup{suffix}", tmp / f"target{suffix}"
        started = time.monotonic()
        cli("dump", "--format", "trig" if suffix == ".trig" else "nquads", "-o", str(dump), store=source)
        dumped = time.monotonic() - started
        started = time.monotonic()
        done = cli("restore", str(dump), store=target)
        restored = time.monotonic() - started
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        a = cli("dump", "--format", "nquads", store=source).stdout.splitlines()
        b = cli("dump", "--format", "nquads", store=target).stdout.splitlines()
        print(f"roundtrip {suffix}: {len(a)} quads, {dump.stat().st_size / 1e6:.1f} MB; dump {dumped:.1f} s, "
              f"restore {restored:.1f} s; quads differing after the round trip: {len(set(a) ^ set(b))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("kill")
    p.add_argument("--claims", type=int, default=2000)
    p.add_argument("--kills", type=int, default=20)
    p = sub.add_parser("readers")
    p.add_argument("--claims", type=int, default=400)
    p.add_argument("--clients", type=int, default=4)
    p = sub.add_parser("roundtrip")
    p.add_argument("--claims", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        {"kill": kill, "readers": readers, "roundtrip": roundtrip}[args.what](args, Path(tmp))


if __name__ == "__main__":
    main()
