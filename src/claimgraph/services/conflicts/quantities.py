"""Which quantity a trend speaks of, and which scores measure it.

A trend names two quantities in words ("intelligence", "hallucination"). A quantity is folded to one key,
with the sign it carries: "honesty" is hallucination read backwards (key 'hallucination', sign -1), so
"smarter models are more honest" and "smarter models hallucinate less" are one trend.

A score measures a quantity when the words of its metric ("non-hallucination rate") contain one of the
quantity's forms as whole words: the key itself (orientation +1) or one of its opposites (orientation -1).
A score that names no metric is read by its benchmark's name ("Intelligence Index"); one that names a metric
is never read by its benchmark (accuracy on a hallucination benchmark is not hallucination). Hyphenated
words are one word, so "non-hallucination" is not "hallucination":

>>> measures("non-hallucination rate", {"hallucination"})
{'hallucination': -1}
>>> measures("Intelligence Index", {"intelligence", "hallucination"})
{'intelligence': 1}
>>> measures("hallucination rate", {"intelligence"})
{}
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["OPPOSITES", "quantity", "measures", "score_measures", "words"]

#: Quantities that move against each other: a trend in one is the reversed trend in the other.
OPPOSITES = {"non-hallucination": "hallucination", "honest": "hallucination", "honesty": "hallucination",
             "factual": "hallucination", "factuality": "hallucination",
             "accurate": "error rate", "accuracy": "error rate", "reliable": "failure rate",
             "compliant": "refusal rate"}


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """Lower-cased words, hyphenated ones kept whole: 'Non-Hallucination rate' → ('non-hallucination', 'rate')."""
    return tuple(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text.lower()))


def quantity(name: str) -> tuple[str, int]:
    """(key, sign) of a quantity's name: 'honesty' → ('hallucination', -1), 'intelligence' → ('intelligence', 1)."""
    key = " ".join(words(name))
    return (OPPOSITES[key], -1) if key in OPPOSITES else (key, 1)


@lru_cache(maxsize=256)
def _forms(key: str) -> tuple[tuple[tuple[str, ...], int], ...]:
    """The word sequences that name ``key``, each with its orientation, longest first."""
    found = [(words(key), 1)] + [(words(k), -1) for k, v in OPPOSITES.items() if v == key]
    return tuple(sorted(found, key=lambda f: -len(f[0])))


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


def measures(text: str, keys: Iterable[str]) -> dict[str, int]:
    """Which of the quantity ``keys`` the words of ``text`` measure, each with its orientation (+1: a higher
    score is more of it, -1: less). A text that names a quantity both ways says nothing of it."""
    return dict(_measures(text, keys if isinstance(keys, frozenset) else frozenset(keys)))


@lru_cache(maxsize=65536)
def _measures(text: str, keys: frozenset[str]) -> tuple[tuple[str, int], ...]:
    have = words(text)
    out = []
    for key in sorted(keys):
        signs = {sign for form, sign in _forms(key) if _contains(have, form)}
        if len(signs) == 1:
            out.append((key, signs.pop()))
    return tuple(out)


def score_measures(metric: str, benchmark: str, keys: Iterable[str]) -> dict[str, int]:
    """What a score measures of ``keys``: by the words of its ``metric``, or by its ``benchmark``'s name when
    it names no metric."""
    return measures(metric or benchmark, keys)
