"""Plain records of a parsed dossier. Every record keeps the 1-based source line it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from claimgraph.extract.assertions import Extraction

__all__ = ["Authorship", "ClaimRecord", "DossierRecord", "ProvenanceEntry", "StatementBlock"]


@dataclass(frozen=True, slots=True)
class ProvenanceEntry:
    """One line of a claim's provenance history: ``- `2026-06-04` **asserted as caveat** — note``."""

    date: date
    label: str  # the bold text, verbatim: "asserted as caveat"
    action: str  # its first word: "asserted"
    stance: str | None  # the stance it names after "as"/"to", if any: "caveat"
    note: str  # the text after the dash, possibly empty
    line: int


@dataclass(frozen=True, slots=True)
class StatementBlock:
    """A fenced block inside a claim (```turtle … ```): statements the author gives explicitly."""

    language: str  # "turtle"
    text: str
    line: int  # the line of the opening fence


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    """One claim: ``### [stance] text``, its continuation lines and its provenance history."""

    position: int  # 1-based order in the dossier
    stance: str  # the bracketed tag, lower-cased: "caveat"
    text: str
    line: int
    history: tuple[ProvenanceEntry, ...] = ()
    extra: tuple[str, ...] = ()  # lines inside the claim that the format does not define, kept verbatim
    blocks: tuple[StatementBlock, ...] = ()
    # statements given with the claim (an imported table row, a JSON claim): taken as they are, instead of what
    # the extractor would read in the text; and the claims (IRIs) it rests on
    given: "Extraction | None" = None
    depends_on: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()  # claims (IRIs) this one supersedes, such as a leaderboard's older snapshot


@dataclass(frozen=True, slots=True)
class Authorship:
    """The authorship block: who wrote the dossier, on what model, for whom, under what oversight.

    ``statement`` is the block verbatim; the other fields are what could be read out of it.
    """

    statement: str
    line: int
    agent: str | None = None  # "Juno"
    agent_kind: str | None = None  # "an AI agent"
    underlying_model: str | None = None  # "claude-opus-4-8"
    operator: str | None = None  # "Collagen (Lyra Forge)"
    accountable: str | None = None  # "Marc"
    accountable_handle: str | None = None  # "@lavallee"
    oversight: str | None = None  # "human-on-loop"
    details: tuple[str, ...] = ()  # parenthesised items not understood, kept verbatim

    @property
    def is_ai_agent(self) -> bool:
        kind = (self.agent_kind or "").lower()
        return "ai" in kind.split() or "agent" in kind or self.underlying_model is not None


@dataclass(frozen=True, slots=True)
class DossierRecord:
    """A parsed dossier. ``text`` is the normalised source (LF line ends, no BOM); ``sha256`` hashes it."""

    source: str  # file name as given, for messages
    text: str
    sha256: str
    title: str
    authorship: Authorship | None = None
    status: str | None = None
    importance: int | None = None
    importance_scale: int | None = None
    created: date | None = None
    last_tended: date | None = None
    canonical_path: str | None = None
    claims: tuple[ClaimRecord, ...] = ()
    extra_metadata: tuple[tuple[str, str], ...] = ()  # (key, value) pairs not in the format, verbatim
    extra_lines: tuple[str, ...] = ()  # free lines before the claims that the format does not define
    extra_sections: tuple[tuple[str, str], ...] = field(default=())  # (heading, body), verbatim
