"""A deterministic generator of dossiers in the seed's format, for benchmarks.

``python bench/corpus.py OUT_DIR --claims N [--per-dossier K] [--seed S]`` writes N claims in N/K dossiers.
Claims mix the shapes real dossiers have: scores ("X scores 71.3% on MMLU (5-shot)"), comparisons
("X beats Y on GSM8K"), ranks, method facts and a few trends ("smarter models hallucinate more"), over models, benchmarks and methods of the shipped
vocabulary plus generated ones. The same seed always writes the same files.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

MODELS = ["GPT-4o", "Gemini 3.1 Pro", "Claude Opus 4.6", "Grok 4.20 Multi-Agent Beta", "AgentFlow"]
BENCHMARKS = ["AA-Omniscience", "Intelligence Index", "MMLU", "GSM8K", "HumanEval", "MATH", "ARC-Challenge",
              "HellaSwag", "TruthfulQA", "GPQA"]
METHODS = ["Flow-GRPO", "DistIL", "RLVR", "self-distillation", "DPO", "PPO", "GRPO"]
STANCES = ["caveat", "evidence", "speculation", "claim", "hunch"]
SETTINGS = ["0-shot", "5-shot", "8-shot CoT", "pass@1"]


def claim_text(rng: random.Random, models: list[str]) -> str:
    a, b = rng.sample(models, 2)
    bench = rng.choice(BENCHMARKS)
    shape = rng.random()
    if shape < 0.005:
        return f"Across the leaderboard, smarter models hallucinate {rng.choice(['more', 'less'])}."
    if shape < 0.45 and bench == "AA-Omniscience":
        return f"{a} achieved {rng.uniform(20, 95):.0f}% non-hallucination on the AA-Omniscience benchmark."
    if shape < 0.45:
        return f"{a} scores {rng.uniform(20, 95):.1f}% on {bench} ({rng.choice(SETTINGS)})."
    if shape < 0.7:
        verb = rng.choice(["beats", "outperforms", "trails", "matches"])
        return f"{a} {verb} {b} on {bench} and {rng.choice(BENCHMARKS)}."
    if shape < 0.85:
        return f"{a} ranks {rng.randint(1, 20)}th on the {bench} leaderboard at {rng.randint(20, 70)}."
    return f"{a} was trained with {rng.choice(METHODS)} and improves over {rng.choice(METHODS)} on {bench}."


def dossier(index: int, claims: int, rng: random.Random, models: list[str]) -> str:
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
        lines += [f"### [{stance}] {claim_text(rng, models)}", "",
                  "**Provenance history** (how this claim ripened):",
                  f"- `2026-05-{day:02d}` **asserted as {stance}** — Generated.", ""]
    return "\n".join(lines) + "\n"


def write_corpus(out: Path, claims: int, per_dossier: int = 20, seed: int = 1) -> list[Path]:
    rng = random.Random(seed)
    models = MODELS + [f"Model-{i} {rng.choice(['7B', '13B', '70B'])}" for i in range(max(10, claims // 50))]
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range((claims + per_dossier - 1) // per_dossier):
        n = min(per_dossier, claims - index * per_dossier)
        path = out / f"synthetic-{index:06d}.md"
        path.write_text(dossier(index, n, rng, models), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--per-dossier", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    written = write_corpus(args.out, args.claims, args.per_dossier, args.seed)
    print(f"wrote {len(written)} dossiers, {args.claims} claims, to {args.out}")
