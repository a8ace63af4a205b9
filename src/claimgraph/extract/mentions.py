"""Finding the known entities a text names: a lexicon of labels, matched longest first.

The lexicon is plain data (an entity key and its labels); the model layer builds it from the SKOS
vocabulary. Matching is case-insensitive, on word boundaries, and never overlapping: in
"Grok 4.20 Multi-Agent Beta" the full name wins over "Grok 4.20", in "Flow-GRPO" the method wins over
"GRPO". A label shared by two entities is ambiguous: the mention is reported with both candidates and
no choice is made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Lexicon", "LexiconEntry", "Mention", "variant_key", "without_org"]


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    key: str  # the entity's identifier (the model layer uses its IRI)
    kind: str  # "Model", "Method", "Benchmark", …
    labels: tuple[str, ...]  # preferred label first, then the other spellings


@dataclass(frozen=True, slots=True)
class Mention:
    keys: tuple[str, ...]  # one key, or several when the surface is ambiguous
    start: int  # character offsets into the text, end exclusive
    end: int
    surface: str

    @property
    def ambiguous(self) -> bool:
        return len(self.keys) > 1


class Lexicon:
    """An immutable set of entries compiled into one matcher."""

    def __init__(self, entries: Iterable[LexiconEntry]) -> None:
        self.entries = tuple(entries)
        by_label: dict[str, list[str]] = {}
        for entry in self.entries:
            for label in entry.labels:
                norm = _norm(label)
                if norm and entry.key not in by_label.setdefault(norm, []):
                    by_label[norm].append(entry.key)
        self._keys = {label: tuple(keys) for label, keys in by_label.items()}
        self._kinds = {entry.key: entry.kind for entry in self.entries}
        self._preferred = {entry.key: entry.labels[0] for entry in self.entries if entry.labels}
        variants: dict[str, set[str]] = {}
        for entry in self.entries:
            for label in entry.labels:
                variants.setdefault(variant_key(label), set()).add(entry.key)
        self._variants = {v: next(iter(keys)) for v, keys in variants.items() if len(keys) == 1}
        labels = sorted(by_label, key=len, reverse=True)
        alternatives = "|".join(_label_pattern(label) for label in labels)
        # a label inside a longer identifier is not a mention: "gpt-4o" in "gpt-4o-2024-05-13" names another model
        self._pattern = re.compile(rf"(?<!\w)(?<!\w[-./])(?:{alternatives})(?!\w)(?![-.]\w)",
                                   re.IGNORECASE) if labels else None

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, text: str) -> list[Mention]:
        """Every non-overlapping mention of a label in ``text``, in text order."""
        if self._pattern is None:
            return []
        found = []
        for match in self._pattern.finditer(text):
            keys = self._keys.get(_norm(match.group(0)))
            if keys:
                found.append(Mention(keys, match.start(), match.end(), match.group(0)))
        return found


    def preferred(self, key: str) -> str | None:
        """An entity's preferred label."""
        return self._preferred.get(key)

    def kind(self, key: str) -> str | None:
        return self._kinds.get(key)

    def resolve(self, name: str) -> tuple[str, ...]:
        """The entities a whole name can be: its label or alternative spelling exactly, else the one entity with
        that :func:`variant_key` ('tiiuae/falcon-40b' is Falcon-40B). Several keys: ambiguous; none: unknown."""
        name = " ".join(name.split())
        exact = [m for m in self.find(name) if m.start == 0 and m.end == len(name)]
        if exact:
            return exact[0].keys
        variant = self.lookup_variant(variant_key(name))
        return (variant,) if variant else ()

    def lookup_variant(self, key: str) -> str | None:
        """The one entity whose label has this :func:`variant_key`, or None (none, or more than one)."""
        return self._variants.get(key)


_ORG_PREFIX = re.compile(r"^[A-Za-z][\w.-]*/\S")
_SEPARATORS = re.compile(r"[\s_\-]+")


def without_org(name: str) -> str:
    """A name without its 'org/' prefix: Qwen/Qwen2.5-72B-Instruct → Qwen2.5-72B-Instruct."""
    return name.split("/", 1)[1] if _ORG_PREFIX.match(name) else name


@lru_cache(maxsize=1 << 16)  # the same few names, asked about again and again
def variant_key(name: str) -> str:
    """What safely identifies spellings of one name: case, spaces, '-' and '_' do not count, nor an
    'org/' prefix (GPT4o = gpt-4o; Qwen/Qwen2.5-72B-Instruct = qwen2.5-72b-instruct)."""
    return _SEPARATORS.sub("", without_org(name).casefold())


def _norm(label: str) -> str:
    return " ".join(label.split()).casefold()


def _label_pattern(label: str) -> str:
    # any run of white space in the text matches the single space of a label
    return r"\s+".join(re.escape(part) for part in label.split(" "))
