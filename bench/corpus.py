"""A deterministic generator of corpora for benchmarks: dossiers in the seed's format, and leaderboard tables.

``python bench/corpus.py OUT_DIR --claims N [--per-dossier K] [--conflicts 0.02] [--seed S]`` writes N claims in
N/K dossiers; ``--table ROWS`` writes a leaderboard CSV of ROWS models instead.

Claims mix the shapes real dossiers have: scores ("X scores 71.3% on MMLU (5-shot)"), comparisons
("X beats Y on GSM8K"), ranks, method facts and a few trends ("smarter models hallucinate more"), over the
models, benchmarks and methods of the shipped vocabulary plus generated ones (many models per benchmark).
Every model has one true value per benchmark and setting, and the scores and comparisons state it, so they
agree — except a known share (``--conflicts``) of planted ones: a score far from the true value of a model,
benchmark and setting already stated (a score disagreement), or a comparison the true values contradict.
The generator prints how many it planted. The same seed always writes the same files.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass, field
from pathlib import Path

MODELS = ["GPT-4o", "Gemini 3.1 Pro", "Claude Opus 4.6", "Grok 4.20 Multi-Agent Beta", "AgentFlow"]
BENCHMARKS = ["AA-Omniscience", "Intelligence Index", "MMLU", "GSM8K", "HumanEval", "MATH", "ARC-Challenge",
              "HellaSwag", "TruthfulQA", "GPQA"]
METHODS = ["Flow-GRPO", "DistIL", "RLVR", "self-distillation", "DPO", "PPO", "GRPO"]
STANCES = ["caveat", "evidence", "speculation", "claim", "hunch"]
SETTINGS = ["0-shot", "5-shot", "8-shot CoT", "pass@1"]
COLUMNS = ["ARC (25-shot)", "HellaSwag (10-shot)", "MMLU (5-shot)", "TruthfulQA (0-shot)", "GSM8K (8-shot)",
           "Winogrande (5-shot)"]


@dataclass
class Truth:
    """The true values the generated claims state, and what was planted against them."""

    rng: random.Random
    models: list[str]
    values: dict[tuple[str, str, str], float] = field(default_factory=dict)
    stated: list[tuple[str, str, str]] = field(default_factory=list)  # keys some score claim has stated
    planted_scores: int = 0
    planted_comparisons: int = 0

    def value(self, model: str, bench: str, setting: str) -> float:
        key = (model, bench, setting)
        if key not in self.values:
            self.values[key] = round(self.rng.uniform(20, 95), 1)
        return self.values[key]


def score_claim(truth: Truth, plant: bool) -> str:
    rng = truth.rng
    if plant and truth.stated:  # far from a value already stated: a disagreement with that claim
        model, bench, setting = rng.choice(truth.stated)
        truth.planted_scores += 1
        value = truth.value(model, bench, setting)
        value = value - rng.uniform(8, 15) if value > 57 else value + rng.uniform(8, 15)
    else:
        model, bench, setting = rng.choice(truth.models), rng.choice(BENCHMARKS[2:]), rng.choice(SETTINGS)
        value = truth.value(model, bench, setting)
        truth.stated.append((model, bench, setting))
    return f"{model} scores {value:.1f}% on {bench} ({setting})."


def comparison_claim(truth: Truth, plant: bool) -> str:
    rng = truth.rng
    a, b = rng.sample(truth.models, 2)
    bench, setting = rng.choice(BENCHMARKS[2:]), rng.choice(SETTINGS)
    better = truth.value(a, bench, setting) > truth.value(b, bench, setting)
    if plant:
        better = not better
        truth.planted_comparisons += 1
        # both values stated, so that the detectors have what contradicts the comparison
        for model in (a, b):
            truth.stated.append((model, bench, setting))
        return (f"{a} {'beats' if better else 'trails'} {b} on {bench} ({setting}). "
                f"{a} scores {truth.value(a, bench, setting):.1f}% and {b} scores "
                f"{truth.value(b, bench, setting):.1f}% on {bench} ({setting}).")
    return f"{a} {'outperforms' if better else 'trails'} {b} on {bench} ({setting})."


def claim_text(truth: Truth, plant_share: float) -> str:
    rng = truth.rng
    plant = rng.random() < plant_share
    shape = rng.random()
    if shape < 0.005:
        return f"Across the leaderboard, smarter models hallucinate {rng.choice(['more', 'less'])}."
    if shape < 0.05:
        model = rng.choice(truth.models)
        return f"{model} achieved {truth.value(model, 'AA-Omniscience', ''):.0f}% non-hallucination on the " \
               f"AA-Omniscience benchmark."
    if shape < 0.5 or (plant and shape >= 0.7):
        return score_claim(truth, plant)
    if shape < 0.7:
        return comparison_claim(truth, plant)
    if shape < 0.85:
        return f"{rng.choice(truth.models)} ranks {rng.randint(1, 20)}th on the {rng.choice(BENCHMARKS)} " \
               f"leaderboard."
    return f"{rng.choice(truth.models)} was trained with {rng.choice(METHODS)} and improves over " \
           f"{rng.choice(METHODS)} on {rng.choice(BENCHMARKS)}."


def dossier(index: int, claims: int, truth: Truth, plant_share: float) -> str:
    rng = truth.rng
    day = 1 + index % 28
    lines = [
        f"# Synthetic dossier {index}: capability claims for benchmarking",
        "",
        "> 🤖 Authored by an AI agent — **Bench** (synthetic-model, operated by claimgraph bench, "
        "accountable: Nobody (@nobody), autonomous). Generated, not true.",
        "",
        f"- **status:** seedling  ·  **importance:** {rng.randint(1, 10)}/10",
        f"- **created:** 2026-05-{day:02d}  ·  **last tended:** 2026-06-{day:02d}",
        f"- **canonical:** /dossier/synthetic-{index}",
        "",
        "## Claims",
        "",
    ]
    for _ in range(claims):
        stance = rng.choice(STANCES)
        lines += [f"### [{stance}] {claim_text(truth, plant_share)}", "",
                  "**Provenance history** (how this claim ripened):",
                  f"- `2026-05-{day:02d}` **asserted as {stance}** — Generated.", ""]
    return "\n".join(lines) + "\n"


def write_corpus(out: Path, claims: int, per_dossier: int = 20, seed: int = 1,
                 conflicts: float = 0.02) -> list[Path]:
    """Write ``claims`` claims in dossiers of ``per_dossier``; returns their paths."""
    paths, _ = write_corpus_counted(out, claims, per_dossier, seed, conflicts)
    return paths


def write_corpus_counted(out: Path, claims: int, per_dossier: int = 20, seed: int = 1,
                         conflicts: float = 0.02) -> tuple[list[Path], Truth]:
    """As :func:`write_corpus`, with the true values and the counts of what was planted."""
    rng = random.Random(seed)
    models = MODELS + [f"Model-{i} {rng.choice(['7B', '13B', '70B'])}" for i in range(max(10, claims // 50))]
    truth = Truth(rng, models)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range((claims + per_dossier - 1) // per_dossier):
        n = min(per_dossier, claims - index * per_dossier)
        path = out / f"synthetic-{index:06d}.md"
        path.write_text(dossier(index, n, truth, conflicts), encoding="utf-8")
        paths.append(path)
    return paths, truth


def write_table(path: Path, rows: int, seed: int = 3) -> None:
    """A wide leaderboard CSV: a model per row, then its average and six benchmark columns with their settings,
    and its parameter count (not a score)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write("Model,Average," + ",".join(COLUMNS) + ",Parameters\n")
        for n in range(rows):
            values = [rng.uniform(20, 90) for _ in COLUMNS]
            out.write(f"org-{n % 997}/model-{n}-{rng.choice(['7b', '13b', '70b'])},{sum(values) / len(values):.2f},"
                      + ",".join(f"{v:.1f}" for v in values) + f",{rng.randint(1, 70)}\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--per-dossier", type=int, default=20)
    parser.add_argument("--conflicts", type=float, default=0.02, help="share of claims planted to conflict")
    parser.add_argument("--table", type=int, metavar="ROWS", help="write a leaderboard table of ROWS rows instead")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.table:
        args.out.mkdir(parents=True, exist_ok=True)
        write_table(args.out / "leaderboard.csv", args.table, args.seed)
        print(f"wrote {args.table} rows to {args.out / 'leaderboard.csv'}")
    else:
        written, truth = write_corpus_counted(args.out, args.claims, args.per_dossier, args.seed, args.conflicts)
        print(f"wrote {len(written)} dossiers, {args.claims} claims, to {args.out}; planted "
              f"{truth.planted_scores} score disagreements and {truth.planted_comparisons} contradicted comparisons")
