from __future__ import annotations

from datetime import date

import pytest

from claimgraph.errors import DossierSyntaxError
from claimgraph.extract import parse_dossier, read_dossier
from tests.conftest import DOSSIERS, SEED


def test_seed_metadata_and_authorship() -> None:
    d = read_dossier(SEED)
    assert d.title.startswith("The capability frontier is shifting from model scale to training methodology")
    assert (d.status, d.importance, d.importance_scale) == ("seedling", 5, 10)
    assert d.created == date(2026, 6, 4) and d.last_tended == date(2026, 6, 4)
    assert d.canonical_path == "/dossier/training-methodology-frontier-shift"
    a = d.authorship
    assert a is not None
    assert (a.agent, a.agent_kind, a.underlying_model) == ("Juno", "an AI agent", "claude-opus-4-8")
    assert (a.operator, a.accountable, a.accountable_handle) == ("Collagen (Lyra Forge)", "Marc", "@lavallee")
    assert a.oversight == "human-on-loop"
    assert a.is_ai_agent
    assert a.statement.endswith("Every claim carries a provenance badge and a public revision history.")


def test_seed_claims_are_the_three_headings_verbatim() -> None:
    d = read_dossier(SEED)
    headings = [line[len("### [caveat] "):] for line in SEED.read_text(encoding="utf-8").splitlines()
                if line.startswith("### ")]
    assert [c.text for c in d.claims] == headings
    assert [c.position for c in d.claims] == [1, 2, 3]
    assert {c.stance for c in d.claims} == {"caveat"}
    for claim in d.claims:
        (entry,) = claim.history
        assert (entry.date, entry.action, entry.stance, entry.note) == (date(2026, 6, 4), "asserted", "caveat",
                                                                      "First asserted.")
        assert entry.label == "asserted as caveat"
    assert [c.line for c in d.claims] == [11, 16, 21]


def test_crlf_and_bom_parse_like_lf() -> None:
    raw = SEED.read_bytes()
    lf = parse_dossier(raw, source="seed")
    crlf = parse_dossier(b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n"), source="seed")
    assert crlf == lf


def test_other_tags_histories_and_kept_extras() -> None:
    d = read_dossier(DOSSIERS / "variants" / "other-tags.md")
    assert d.status == "evergreen"
    assert [c.stance for c in d.claims] == ["evidence", "hunch", "counter-evidence"]
    first = d.claims[0]
    assert first.text == ("DPO removes the separate reward model of RLHF and still matches PPO-based fine-tuning "
                          "on summarisation and dialogue quality in the original paper.\n\n"
                          "It is cheaper to run because it needs no sampling during training.")
    assert [(e.action, e.stance) for e in first.history] == [("asserted", "speculation"), ("upgraded", "evidence"),
                                                             ("revised", None)]
    assert first.history[2].note == "Wording tightened; the dialogue result is narrower than first stated."
    assert d.claims[2].history == ()
    assert ("tags", "alignment, preference") in d.extra_metadata
    assert ("reviewer", "nobody yet") in d.extra_metadata
    assert d.extra_lines == ("A short summary paragraph that the format does not define.",)
    assert d.extra_sections[0][0] == "Sources"
    assert "Direct Preference Optimization" in d.extra_sections[0][1]
    a = d.authorship
    assert a is not None and a.oversight == "human-in-loop" and a.details == ("weekly review",)
    assert (a.accountable, a.accountable_handle) == ("Ines Park", "@ipark")


def test_missing_optional_parts() -> None:
    d = read_dossier(DOSSIERS / "variants" / "minimal.md")
    assert d.authorship is None
    assert (d.status, d.importance, d.created, d.last_tended, d.canonical_path) == (None,) * 5
    assert len(d.claims) == 1 and d.claims[0].history == ()


def test_human_author_and_ascii_dash() -> None:
    d = read_dossier(DOSSIERS / "variants" / "human-author.md")
    a = d.authorship
    assert a is not None and a.agent == "Ada Lovelace" and a.agent_kind is None and not a.is_ai_agent
    assert a.accountable_handle == "@ada"
    assert d.claims[0].history[0].note == "First asserted."


MALFORMED = [
    ("no-title.md", 1, "expected the title line"),
    ("untagged-claim.md", 5, "expected a claim heading '### [stance] claim text'"),
    ("bad-date.md", 8, "expected the provenance entry date as YYYY-MM-DD, found '2026-02-30'"),
    ("bad-importance.md", 3, "expected importance as 'n/10'"),
    ("bad-history-entry.md", 9, "expected a provenance entry"),
    ("no-claims-section.md", 5, "expected a '## Claims' section"),
    ("empty-claim.md", 5, "expected the claim's text"),
    ("bad-metadata.md", 3, "expected metadata as '**key:** value'"),
    ("duplicate-key.md", 4, "expected 'created' once, it was already given on line 3"),
    ("bad-created.md", 3, "expected the 'created' date as YYYY-MM-DD, found 'June 4th'"),
    ("empty-tag.md", 5, "expected a stance inside the brackets"),
    ("unclosed-block.md", 7, "expected the ``` that closes this block"),
]


@pytest.mark.parametrize(("name", "line", "message"), MALFORMED)
def test_malformed_dossier_names_file_line_and_expectation(name: str, line: int, message: str) -> None:
    path = DOSSIERS / "malformed" / name
    with pytest.raises(DossierSyntaxError) as info:
        read_dossier(path)
    assert info.value.line == line
    assert message in info.value.message
    assert str(info.value).startswith(f"{path}:{line}: ")


def test_non_utf8_names_the_line() -> None:
    with pytest.raises(DossierSyntaxError) as info:
        parse_dossier(b"# Title\n\n## Claims\n\n### [caveat] caf\xe9\n", source="latin1.md")
    assert info.value.line == 5 and "UTF-8" in info.value.message


def test_empty_file() -> None:
    with pytest.raises(DossierSyntaxError, match="empty file"):
        parse_dossier(b"\n\n", source="empty.md")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from claimgraph.extract import DossierRecord  # noqa: E402
from claimgraph.model import load_vocabulary, map_dossier  # noqa: E402

_LEXICON = load_vocabulary().lexicon
_PIECES = st.sampled_from(["# Title\n", "## Claims\n", "### [caveat] A claim.\n", "### no tag\n", "**Provenance history**:\n",
                           "- `2026-06-04` **asserted as caveat** — note\n", "- `2026-13-01` **x**\n", "> Authored by **X** (\n",
                           "- **status:** s  ·  **importance:** 11/10\n", "```turtle\n", "```\n", "\r\n", "\n", "\ufeff", "text\n"])


def _result_or_positioned_error(data: bytes | str) -> None:
    try:
        record = parse_dossier(data, source="fuzz.md")
        assert isinstance(record, DossierRecord)
        map_dossier(record, _LEXICON)  # mapping a parsed dossier fails only on a bad statement block, positioned
    except DossierSyntaxError as exc:
        text = data if isinstance(data, str) else data.decode("utf-8", "replace")
        assert 1 <= exc.line <= max(1, text.count("\n") + text.count("\r") + 1)
        assert str(exc).startswith(f"fuzz.md:{exc.line}: ")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_give_a_record_or_a_positioned_error(data: bytes) -> None:
    _result_or_positioned_error(data)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=25).map("".join))
def test_dossier_like_text_gives_a_record_or_a_positioned_error(text: str) -> None:
    _result_or_positioned_error(text)
