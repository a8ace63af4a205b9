"""The dossier parser: Markdown dossiers in the seed's format → :class:`DossierRecord`.

The format, as the seed writes it::

    # Title
    > 🤖 Authored by an AI agent — **Juno** (claude-opus-4-8, operated by …, accountable: Marc (@lavallee), human-on-loop). …
    - **status:** seedling  ·  **importance:** 5/10
    - **created:** 2026-06-04  ·  **last tended:** 2026-06-04
    - **canonical:** /dossier/some-slug
    ## Claims
    ### [caveat] The claim's words …
    **Provenance history** (how this claim ripened):
    - `2026-06-04` **asserted as caveat** — First asserted.

Tolerated, because real authors vary it: CRLF or CR line ends, a BOM, unknown stance tags and statuses,
metadata keys and sections the format does not define (kept in ``extra_metadata`` / ``extra_sections``),
claim text continued on the following lines, missing authorship, metadata or provenance history.
Anything else raises :class:`DossierSyntaxError` naming the file, the line and what was expected.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from claimgraph.errors import DossierSyntaxError, InputError
from claimgraph.extract.records import Authorship, ClaimRecord, DossierRecord, ProvenanceEntry, StatementBlock

__all__ = ["parse_dossier", "read_dossier", "normalise_text"]

_TITLE = re.compile(r"^#\s+(?P<title>\S.*?)\s*#*\s*$")
_SECTION = re.compile(r"^##\s+(?P<heading>.*?)\s*#*\s*$")
_CLAIM = re.compile(r"^###\s+(?P<rest>.*)$")
_CLAIM_TAG = re.compile(r"^\[(?P<tag>[^\[\]]*)\]\s*(?P<text>.*)$")
_BULLET = re.compile(r"^\s*[-*+]\s+(?P<body>.*)$")
_META_PAIR = re.compile(r"^\*\*(?P<key>[^*]+?)\s*:?\s*\*\*\s*:?\s*(?P<value>.*?)\s*$")
_META_SEPARATOR = re.compile(r"\s+[·•|]\s+")
_HISTORY_HEAD = re.compile(r"^\*\*\s*provenance(?:\s+history)?\s*\*\*", re.IGNORECASE)
_HISTORY_ENTRY = re.compile(
    r"^`?(?P<date>[^`\s*]+)`?\s+\*\*(?P<label>[^*]+?)\*\*\s*(?:(?:[—–:]|-{1,2})\s*(?P<note>.*?))?\s*$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FENCE = re.compile(r"^```\s*(?P<lang>[\w-]*)\s*$")
_IMPORTANCE = re.compile(r"^(?P<n>\d+)\s*(?:/\s*(?P<scale>\d+))?$")
_STANCE_IN_LABEL = re.compile(r"\s(?:as|to)\s+(?P<stance>[\w-]+)\s*$", re.IGNORECASE)
_AUTHORED = re.compile(
    r"(?:Authored|Written)\s+by\s+(?:(?P<kind>[^*—–]+?)\s*(?:[—–:]|-{1,2})\s*)?\*\*(?P<name>[^*]+)\*\*\s*",
    re.IGNORECASE,
)
_OVERSIGHT = re.compile(r"^(?:human[- ](?:on|in|out[- ]of)[- ](?:the[- ])?loop|autonomous|supervised|unsupervised)$",
                        re.IGNORECASE)
_HANDLE = re.compile(r"^(?P<name>.*?)\s*\((?P<handle>@[\w.-]+)\)\s*$")

_KNOWN_KEYS = {"status", "importance", "created", "last tended", "canonical", "canonical path"}


def read_dossier(path: str | Path) -> DossierRecord:
    """Read and parse the dossier at ``path``. Raises :class:`DossierSyntaxError` or :class:`InputError`."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: cannot read: {exc.strerror or exc}") from None
    return parse_dossier(data, source=str(p))


def normalise_text(data: bytes | str, source: str = "<dossier>") -> str:
    """Decode UTF-8 (the error names the line of the first bad byte), drop a BOM, make line ends LF."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise DossierSyntaxError(source, line, f"expected UTF-8 text, found byte 0x{data[exc.start]:02x}") from None
    else:
        text = data
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_dossier(data: bytes | str, source: str = "<dossier>") -> DossierRecord:
    """Parse one dossier. Pure: the same input always gives an equal record."""
    text = normalise_text(data, source)
    return _Parser(source, text).parse()


@dataclass
class _ClaimDraft:
    position: int
    stance: str
    line: int
    text_lines: list[str]
    history: list[ProvenanceEntry] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    in_history: bool = False
    blocks: list[StatementBlock] = field(default_factory=list)
    fence: tuple[str, int, list[str]] | None = None  # an open ``` block: language, line, lines


class _Parser:
    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self.text = text
        self.lines = text.split("\n")
        self.meta: dict[str, tuple[str, int]] = {}
        self.extra_metadata: list[tuple[str, str]] = []
        self.extra_lines: list[str] = []
        self.extra_sections: list[tuple[str, list[str]]] = []
        self.claims: list[_ClaimDraft] = []
        self.authorship_lines: list[tuple[int, str]] = []

    def error(self, line: int, message: str) -> DossierSyntaxError:
        return DossierSyntaxError(self.source, line, message)

    def parse(self) -> DossierRecord:
        title, start = self._title()
        section: str = "preamble"  # preamble | claims | extra
        claims_seen = False
        for number, raw in enumerate(self.lines[start:], start=start + 1):
            line = raw.rstrip()
            heading = _SECTION.match(line)
            if heading and not line.startswith("###"):
                name = heading["heading"]
                if name.strip().lower() == "claims":
                    if claims_seen:
                        raise self.error(number, "expected one '## Claims' section, found a second")
                    claims_seen = True
                    section = "claims"
                else:
                    section = "extra"
                    self.extra_sections.append((name, []))
                continue
            if section == "preamble":
                self._preamble_line(number, line)
            elif section == "claims":
                self._claims_line(number, line)
            else:
                self.extra_sections[-1][1].append(raw)
        if not claims_seen:
            last = len(self.text.rstrip("\n").split("\n"))
            raise self.error(last, "expected a '## Claims' section with '### [stance] claim' entries")
        return self._record(title)

    # -- preamble ------------------------------------------------------------------------------------
    def _title(self) -> tuple[str, int]:
        for index, raw in enumerate(self.lines):
            if not raw.strip():
                continue
            match = _TITLE.match(raw.strip())
            if not match or raw.startswith("##"):
                raise self.error(index + 1, "expected the title line '# <title>' first")
            return match["title"], index + 1
        raise self.error(1, "expected the title line '# <title>', found an empty file")

    def _preamble_line(self, number: int, line: str) -> None:
        stripped = line.strip()
        if not stripped:
            return
        if stripped.startswith(">"):
            self.authorship_lines.append((number, stripped.lstrip(">").strip()))
            return
        bullet = _BULLET.match(line)
        if bullet and bullet["body"].startswith("**"):
            for part in _META_SEPARATOR.split(bullet["body"].strip()):
                pair = _META_PAIR.match(part.strip())
                if not pair:
                    raise self.error(number, f"expected metadata as '**key:** value', found {part.strip()!r}")
                self._metadata(number, pair["key"].strip().lower(), pair["value"].strip())
            return
        self.extra_lines.append(stripped)

    def _metadata(self, number: int, key: str, value: str) -> None:
        if key in _KNOWN_KEYS:
            if key in self.meta:
                raise self.error(number, f"expected '{key}' once, it was already given on line {self.meta[key][1]}")
            self.meta[key] = (value, number)
        else:
            self.extra_metadata.append((key, value))

    # -- claims --------------------------------------------------------------------------------------
    def _claims_line(self, number: int, line: str) -> None:
        claim_head = _CLAIM.match(line)
        if claim_head:
            tagged = _CLAIM_TAG.match(claim_head["rest"].strip())
            if not tagged:
                raise self.error(number, "expected a claim heading '### [stance] claim text'")
            tag = tagged["tag"].strip().lower()
            if not tag:
                raise self.error(number, "expected a stance inside the brackets of '### [stance] claim text'")
            text = tagged["text"].strip()
            self.claims.append(_ClaimDraft(len(self.claims) + 1, tag, number, [text] if text else []))
            return
        if not self.claims:
            if line.strip():
                self.extra_lines.append(line.strip())
            return
        claim = self.claims[-1]
        stripped = line.strip()
        if claim.fence is not None:
            if stripped.startswith("```"):
                language, opened, lines = claim.fence
                claim.blocks.append(StatementBlock(language, "\n".join(lines), opened))
                claim.fence = None
            else:
                claim.fence[2].append(line)
            return
        fence = _FENCE.match(stripped)
        if fence:
            language = fence["lang"].lower()
            if language not in ("turtle", "ttl"):
                raise self.error(number, f"expected a ```turtle block of statements, found ```{language or '(no language)'}")
            claim.fence = ("turtle", number, [])
            return
        if _HISTORY_HEAD.match(stripped):
            claim.in_history = True
            return
        if claim.in_history:
            self._history_line(number, line, claim)
            return
        if not stripped:
            if claim.text_lines and claim.text_lines[-1] != "":
                claim.text_lines.append("")
            return
        claim.text_lines.append(stripped)

    def _history_line(self, number: int, line: str, claim: _ClaimDraft) -> None:
        stripped = line.strip()
        if not stripped:
            return
        bullet = _BULLET.match(line)
        if bullet and not line[:1].isspace():
            claim.history.append(self._history_entry(number, bullet["body"].strip()))
        elif line[:1].isspace() and claim.history:
            # an indented line continues the note of the entry above it
            last = claim.history[-1]
            note = f"{last.note} {stripped}".strip()
            claim.history[-1] = ProvenanceEntry(last.date, last.label, last.action, last.stance, note, last.line)
        else:
            claim.extra.append(stripped)

    def _history_entry(self, number: int, body: str) -> ProvenanceEntry:
        match = _HISTORY_ENTRY.match(body)
        if not match:
            raise self.error(number, "expected a provenance entry '- `YYYY-MM-DD` **action** — note'")
        when = self._date(number, match["date"], "provenance entry date")
        label = " ".join(match["label"].split())
        stance = _STANCE_IN_LABEL.search(" " + label)
        return ProvenanceEntry(
            date=when,
            label=label,
            action=label.split()[0].lower(),
            stance=stance["stance"].lower() if stance else None,
            note=(match["note"] or "").strip(),
            line=number,
        )

    # -- values --------------------------------------------------------------------------------------
    def _date(self, number: int, value: str, what: str) -> date:
        value = value.strip().strip("`")
        if _DATE.match(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.error(number, f"expected the {what} as YYYY-MM-DD, found {value!r}")

    def _optional_date(self, key: str) -> date | None:
        if key not in self.meta:
            return None
        value, number = self.meta[key]
        return self._date(number, value, f"'{key}' date")

    def _importance(self) -> tuple[int | None, int | None]:
        if "importance" not in self.meta:
            return None, None
        value, number = self.meta["importance"]
        match = _IMPORTANCE.match(value)
        if match:
            n = int(match["n"])
            scale = int(match["scale"]) if match["scale"] else None
            if scale is None or (scale > 0 and n <= scale):
                return n, scale
        raise self.error(number, f"expected importance as 'n/10' with n no larger than the scale, found {value!r}")

    def _authorship(self) -> Authorship | None:
        if not self.authorship_lines:
            return None
        line = self.authorship_lines[0][0]
        statement = " ".join(text for _, text in self.authorship_lines if text)
        match = _AUTHORED.search(statement)
        if not match:
            return Authorship(statement=statement, line=line)
        kind = match["kind"].strip() if match["kind"] else None
        details, _rest = _parenthesised(statement[match.end():])
        fields: dict[str, str | None] = {}
        unknown: list[str] = []
        for item in _split_top_level(details) if details is not None else []:
            low = item.lower()
            if low.startswith("operated by "):
                fields["operator"] = item[len("operated by "):].strip()
            elif low.startswith("accountable"):
                who = re.sub(r"^accountable\s*(?:person)?\s*:?\s*", "", item, flags=re.IGNORECASE).strip()
                handle = _HANDLE.match(who)
                fields["accountable"] = handle["name"].strip() if handle else who
                fields["accountable_handle"] = handle["handle"] if handle else None
            elif _OVERSIGHT.match(item):
                fields["oversight"] = item.lower()
            elif "underlying_model" not in fields and not unknown:
                fields["underlying_model"] = item
            else:
                unknown.append(item)
        return Authorship(statement=statement, line=line, agent=match["name"].strip(), agent_kind=kind,
                          details=tuple(unknown), **fields)  # type: ignore[arg-type]

    def _record(self, title: str) -> DossierRecord:
        claims = []
        for draft in self.claims:
            if draft.fence is not None:
                raise self.error(draft.fence[1], "expected the ``` that closes this block")
            while draft.text_lines and draft.text_lines[-1] == "":
                draft.text_lines.pop()
            paragraphs: list[list[str]] = [[]]
            for piece in draft.text_lines:
                if piece:
                    paragraphs[-1].append(piece)
                else:
                    paragraphs.append([])
            text = "\n\n".join(" ".join(p) for p in paragraphs if p)
            if not text.strip():
                raise self.error(draft.line, "expected the claim's text after '### [stance]'")
            claims.append(ClaimRecord(draft.position, draft.stance, text, draft.line, tuple(draft.history),
                                      tuple(draft.extra), tuple(draft.blocks)))
        importance, scale = self._importance()
        canonical = self.meta.get("canonical") or self.meta.get("canonical path")
        return DossierRecord(
            source=self.source,
            text=self.text,
            sha256=hashlib.sha256(self.text.encode("utf-8")).hexdigest(),
            title=title,
            authorship=self._authorship(),
            status=self.meta["status"][0] if "status" in self.meta else None,
            importance=importance,
            importance_scale=scale,
            created=self._optional_date("created"),
            last_tended=self._optional_date("last tended"),
            canonical_path=canonical[0] if canonical else None,
            claims=tuple(claims),
            extra_metadata=tuple(self.extra_metadata),
            extra_lines=tuple(self.extra_lines),
            extra_sections=tuple((h, "\n".join(body).strip("\n")) for h, body in self.extra_sections),
        )


def _parenthesised(text: str) -> tuple[str | None, str]:
    """If ``text`` starts with '(', return what is inside the balanced parentheses and what follows."""
    if not text.startswith("("):
        return None, text
    depth = 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return text[1:index], text[index + 1:]
    return text[1:], ""


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    parts, depth, current = [], 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [p for p in parts if p]
