"""The web pages in a real browser: Debian's chromium driven by Playwright, against `claimgraph serve` on a real
port. Screenshots land in test-artifacts/ (kept by CI as the run's artifacts)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import urllib.error
import urllib.request

import pytest

from ..conftest import REAL, ROOT, SEED, run_cli

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"no chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = tmp_path_factory.mktemp("web") / "store"
    assert run_cli("ingest", str(SEED), str(REAL), store=store).returncode == 0
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMGRAPH_")} | {"CLAIMGRAPH_STORE": str(store)}
    log = store.parent / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "claimgraph", "serve", "--port", str(port)], cwd=ROOT,
                                   env=env, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with urllib.request.urlopen(url + "/health", timeout=1) as answer:
                if answer.status == 200:
                    break
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("the server did not start: " + log.read_text(errors="replace")[-2000:])
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_every_page_opens_with_a_title(page: object, server: str) -> None:
    for path, title in [("/", "claimgraph"), ("/editor", "Query editor"), ("/graph", "Graph explorer"),
                        ("/conflicts", "Conflicts"), ("/id/benchmark/aa-omniscience", "AA-Omniscience"),
                        ("/id/model/grok-4-20-multi-agent-beta", "Grok 4.20 Multi-Agent Beta"),
                        ("/id/method/flow-grpo", "Flow-GRPO"), ("/id/benchmark/mmlu", "MMLU"),
                        ("/id/dossier/training-methodology-frontier-shift/claim/3", "Claim 3"),
                        ("/id/dossier/mmlu-implementations", "The same model's MMLU score")]:
        response = page.goto(server + path)  # type: ignore[attr-defined]
        assert response.status == 200, path
        assert page.title().startswith(title), (path, page.title())  # type: ignore[attr-defined]
        assert page.locator("h1").count() == 1 and page.locator("main#main").count() == 1  # type: ignore[attr-defined]
        shot(page, "page" + path.replace("/", "_"))
    # the keyboard reaches the content first
    page.goto(server + "/")  # type: ignore[attr-defined]
    page.keyboard.press("Tab")  # type: ignore[attr-defined]
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"  # type: ignore[attr-defined]


def test_the_editor_runs_an_example_and_shows_rows(page: object, server: str) -> None:
    page.goto(server + "/editor")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Claims that depend on AA-Omniscience").click()  # type: ignore[attr-defined]
    page.locator(".yasr table").first.wait_for(timeout=15000)  # type: ignore[attr-defined]
    assert "Grok 4.20 Multi-Agent Beta" in page.locator(".yasr").inner_text()  # type: ignore[attr-defined]
    shot(page, "editor-results")
    page.get_by_role("button", name="A graph: AA-Omniscience").click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Draw the current CONSTRUCT query").click()  # type: ignore[attr-defined]
    page.wait_for_function("window.claimgraphCy && window.claimgraphCy.nodes().length > 2")  # type: ignore[attr-defined]
    shot(page, "editor-construct-graph")


def test_graph_to_benchmark_to_claim(page: object, server: str) -> None:
    page.goto(server + "/graph")  # type: ignore[attr-defined]
    page.wait_for_function("window.claimgraphCy && window.claimgraphCy.nodes().length > 0")  # type: ignore[attr-defined]
    counts = page.evaluate("[claimgraphCy.nodes().length, claimgraphCy.edges().length]")  # type: ignore[attr-defined]
    assert counts[0] > 20 and counts[1] > 20
    kinds = set(page.evaluate("claimgraphCy.nodes().map(n => n.data('kind'))"))  # type: ignore[attr-defined]
    assert {"Claim", "Model", "Method", "Benchmark", "Organization"} <= kinds
    assert page.evaluate("claimgraphCy.edges('[?conflict]').length + claimgraphCy.nodes('[?conflicted]').length") > 0  # type: ignore[attr-defined]
    shot(page, "graph")
    # click the AA-Omniscience node: its page lists the Grok claim
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.evaluate("""() => { const n = claimgraphCy.nodes().filter(n => n.data('label') === 'AA-Omniscience')[0];
                                 const p = n.renderedPosition(); const box = document.getElementById('cy').getBoundingClientRect();
                                 window.__click = [box.left + p.x, box.top + p.y]; n.emit('tap'); }""")
    assert page.url.endswith("/id/benchmark/aa-omniscience")  # type: ignore[attr-defined]
    claim = page.get_by_role("link", name="xAI's Grok 4.20 Multi-Agent Beta achieved 78%")  # type: ignore[attr-defined]
    claim.first.click()
    page.wait_for_url("**/claim/3")  # type: ignore[attr-defined]
    marked = page.locator("#claim-text mark.value").all_inner_texts()  # type: ignore[attr-defined]
    assert "78%" in marked
    assert page.locator("#claim-text a.mention.benchmark", has_text="AA-Omniscience").count() == 1  # type: ignore[attr-defined]
    shot(page, "claim")
    page.locator("#claim-text a.mention.benchmark", has_text="AA-Omniscience").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/id/benchmark/aa-omniscience")  # type: ignore[attr-defined]


def test_benchmark_leaderboard_groups_by_setting(page: object, server: str) -> None:
    page.goto(server + "/id/benchmark/mmlu")  # type: ignore[attr-defined]
    headings = page.locator("section h3").all_inner_texts()  # type: ignore[attr-defined]
    assert any("harness=helm" in h for h in headings) and any("harness=lm-eval-harness" in h for h in headings)
    assert page.locator("table.leaderboard tbody tr").count() > 5  # type: ignore[attr-defined]
    shot(page, "benchmark-mmlu")


def test_neighbourhood_mode_draws_around_an_entity(page: object, server: str) -> None:
    page.goto(server + "/graph?around=AA-Omniscience&depth=1")  # type: ignore[attr-defined]
    page.wait_for_function("window.claimgraphCy && window.claimgraphCy.nodes().length > 0")  # type: ignore[attr-defined]
    n = page.evaluate("claimgraphCy.nodes().length")  # type: ignore[attr-defined]
    assert 2 <= n < 15
    assert "around AA-Omniscience" in page.locator("#status").inner_text()  # type: ignore[attr-defined]
