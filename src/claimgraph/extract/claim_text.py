"""Reading a claim's words: entities, scores, comparisons and method facts, each with its span.

How it reads: first every entity name is found (the vocabulary's labels and spellings, longest first,
then model-like names the vocabulary lacks, which become new entities flagged for review). The text is
then *masked*: each name becomes a placeholder ``⟦n⟧``, so that the rules below are short patterns over
sentence shapes ("⟦0⟧ ranks 8th on the ⟦1⟧ at 48") rather than over names. Every rule has a name, a
confidence, and maps its match back to the span of the original text.

Deterministic, offline, and total: any text gives an :class:`Extraction` (possibly empty), never an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from claimgraph.extract.assertions import (ComparisonAssertion, EntityRef, Extraction, Fact, Proposition,
                                           ScoreAssertion, Setting, Span, Trend)
from claimgraph.extract.mentions import Lexicon, variant_key

__all__ = ["extract_claim", "parse_setting"]

_OPEN, _CLOSE = "\u27e6", "\u27e7"  # ⟦ ⟧: never in real claim text
E = rf"{_OPEN}(\d+){_CLOSE}"


def _e(name: str) -> str:
    """A placeholder captured under ``name``."""
    return rf"{_OPEN}(?P<{name}>\d+){_CLOSE}"


def _n(name: str) -> str:
    """A number captured under ``name``."""
    return rf"(?P<{name}>\d+(?:\.\d+)?)"

# Names the vocabulary lacks: model-like tokens (letters with digits: Qwen2.5-72B-Instruct, Llama-3-8B),
# optionally behind an "org/" prefix. Acronyms alone are too ambiguous to mint entities from.
_NEW_MODEL = re.compile(r"(?<![\w/.-])(?:[A-Za-z][\w.-]*/)?[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*"
                        r"(?:\s\d+(?:\.\d+)?[BMK](?![\w-]))?(?![\w-])")  # "Llama-2 70B": the size is part of the name
_SIZE = re.compile(r"\b(\d+(?:\.\d+)?[BMK])\b")
_ARCH = re.compile(r"\b(MoE|mixture[- ]of[- ]experts|dense|transformer)\b", re.IGNORECASE)
_WORD_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
                  "eighth": 8, "ninth": 9, "tenth": 10}


class _Masked:
    """The claim text with entity names replaced by ⟦n⟧, and the way back to original offsets."""

    def __init__(self, text: str, entities: list[EntityRef]) -> None:
        self.text = text
        self.entities = entities
        pieces, self._map = [], []  # _map: (masked_start, original_start, length_or_entity)
        cursor = 0
        masked_len = 0
        for index, entity in enumerate(entities):
            plain = text[cursor:entity.span.start]
            pieces.append(plain)
            self._map.append((masked_len, cursor, len(plain), None))
            masked_len += len(plain)
            token = f"{_OPEN}{index}{_CLOSE}"
            pieces.append(token)
            self._map.append((masked_len, entity.span.start, len(token), entity.span.end - entity.span.start))
            masked_len += len(token)
            cursor = entity.span.end
        pieces.append(text[cursor:])
        self._map.append((masked_len, cursor, len(text) - cursor, None))
        self.masked = "".join(pieces)

    def original(self, masked_pos: int, *, end: bool = False) -> int:
        for m_start, o_start, m_len, o_len in self._map:
            if m_start <= masked_pos < m_start + m_len or (end and masked_pos == m_start + m_len):
                if o_len is not None:  # inside a placeholder: snap to the entity's bounds
                    return o_start + (o_len if end else 0)
                return o_start + (masked_pos - m_start)
        return len(self.text)

    def span(self, start: int, end: int) -> Span:
        a, b = self.original(start), self.original(end, end=True)
        return Span(a, b, self.text[a:b])

    def entity(self, group: str | None) -> EntityRef | None:
        return self.entities[int(group)] if group is not None else None


def _number(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def parse_setting(text: str | None) -> Setting:
    """'5-shot', '0-shot CoT', 'judge: GPT-4', 'v2', 'lm-eval-harness' → a structured Setting."""
    if not text:
        return Setting()
    shots = re.search(r"(\d+)[- ]?shots?", text, re.IGNORECASE)
    zero = re.search(r"\bzero[- ]shot\b", text, re.IGNORECASE)
    cot = re.search(r"\b(CoT|chain[- ]of[- ]thought)\b", text, re.IGNORECASE)
    no_cot = re.search(r"\b(no|without|w/o)[- ]?(CoT|chain[- ]of[- ]thought)\b", text, re.IGNORECASE)
    judge = re.search(r"judge[d]?(?: by)?[:= ]\s*([\w.-]+)", text, re.IGNORECASE)
    version = re.search(r"\bv(\d+(?:\.\d+)*)\b", text)
    harness = re.search(r"\b(lm[- ]eval(?:uation)?[- ]harness|helm|openai[- ]evals|simple[- ]evals)\b", text,
                        re.IGNORECASE)
    known = [m for m in (shots, zero, no_cot or cot, judge, version, harness) if m]
    other = text
    for m in known:
        other = other.replace(m.group(0), " ")
    rest = tuple(p.strip() for p in re.split(r"[,;]", other) if p.strip() and re.search(r"\w", p))
    return Setting(
        shots=int(shots.group(1)) if shots else (0 if zero else None),
        chain_of_thought=False if no_cot else (True if cot else None),
        judge=judge.group(1) if judge else None,
        version=version.group(1) if version else None,
        harness=harness.group(1).lower().replace(" ", "-") if harness else None,
        other=rest,
    )


def _entities(text: str, lexicon: Lexicon, context: dict[str, str] | None = None) -> list[EntityRef]:
    found: list[EntityRef] = []
    for mention in lexicon.find(text):
        kinds = {lexicon.kind(k) for k in mention.keys}
        status = "ambiguous" if mention.ambiguous else "known"
        found.append(EntityRef(mention.surface, kinds.pop() if len(kinds) == 1 else "Unknown", status,
                               Span(mention.start, mention.end, mention.surface),
                               key=None if mention.ambiguous else mention.keys[0], candidates=mention.keys))
    taken = [(e.span.start, e.span.end) for e in found]
    context_kinds: dict[str, str] = context if context is not None else {}
    for pattern, kind in _CONTEXT_NAMES:
        for match in pattern.finditer(text):
            start, end = match.span("name")
            if any(a < end and start < b for a, b in taken):
                continue
            surface = match.group("name")
            key = lexicon.lookup_variant(variant_key(surface))
            status = "known" if key is not None else "new"
            found.append(EntityRef(surface, (lexicon.kind(key) if key else None) or kind, status,
                                   Span(start, end, surface), key=key))
            context_kinds[variant_key(surface)] = found[-1].kind
            taken.append((start, end))
    if context_kinds:  # names earlier claims read as benchmarks, methods …: the same names here
        words = list(re.finditer(r"(?<![\w/.-])[A-Za-z][\w.+/-]*[\w+]", text))
        for i, first in enumerate(words):
            for j in range(min(len(words), i + 3) - 1, i - 1, -1):  # the longest window of 1-3 words first
                start, end = first.start(), words[j].end()
                if variant_key(text[start:end]) in context_kinds and not any(a < end and start < b for a, b in taken):
                    surface = text[start:end]
                    found.append(EntityRef(surface, context_kinds[variant_key(surface)], "new",
                                           Span(start, end, surface)))
                    taken.append((start, end))
                    break
    for match in _NEW_MODEL.finditer(text):
        start, end = match.span()
        if any(a < end and start < b for a, b in taken):
            continue
        surface = match.group(0).rstrip(".")
        end = start + len(surface)
        if not re.search(r"\d", surface) or _SIZE.fullmatch(surface) or len(surface) <= 3:
            continue  # a model name carries a digit; "7B", "H100"-like short tokens are not names on their own
        if surface[0].islower() and "-" not in surface.split("/")[-1]:
            continue  # lower-case ids count only when dashed like model ids: gpt-4o-2024-05-13, llama-2-70b
        if variant_key(surface) in context_kinds:  # named as a benchmark or method elsewhere in the claim
            found.append(EntityRef(surface, context_kinds[variant_key(surface)], "new", Span(start, end, surface)))
            taken.append((start, end))
            continue
        key = lexicon.lookup_variant(variant_key(surface))
        if key is not None:
            found.append(EntityRef(surface, lexicon.kind(key) or "Unknown", "known", Span(start, end, surface), key=key))
        else:
            found.append(EntityRef(surface, "Model", "new", Span(start, end, surface)))
        taken.append((start, end))
    found.sort(key=lambda e: e.span.start)
    return _architecture(text, [_qualified(text, e) for e in found])


_PARAMETERS = re.compile(r"\b(\d+(?:\.\d+)?\s?[BMT])(?:-|\s)param(?:eter)?s?\b|\b(\d+(?:\.\d+)?\s?[BMT])\s+parameters\b",
                         re.IGNORECASE)
_ARCHITECTURE = re.compile(r"\b(MoE|mixture[- ]of[- ]experts|dense transformer|state[- ]space model|SSM)\b", re.IGNORECASE)


def _architecture(text: str, entities: list[EntityRef]) -> list[EntityRef]:
    """A parameter count and an architecture stated in a sentence ('on a shared 500B-parameter MoE backbone')
    describe the model the sentence is about: its first model, when no other model is named between."""
    out = list(entities)
    for start, end in _sentence_spans(text):
        models = [i for i, e in enumerate(out) if e.kind == "Model" and start <= e.span.start < end]
        if not models:
            continue
        first = out[models[0]]
        later = [out[i].span.start for i in models[1:]]
        found: list[tuple[str, str]] = []
        for pattern, name in ((_PARAMETERS, "parameters"), (_ARCHITECTURE, "architecture")):
            for m in pattern.finditer(text, first.span.end, end):
                if any(first.span.end <= at < m.start() for at in later):
                    break  # it follows another model: about that one, if anything
                value = (m.group(1) or m.group(2)).replace(" ", "") if name == "parameters" else \
                    ("MoE" if m.group(1).lower().startswith(("moe", "mixture")) else m.group(1))
                found.append((name, value))
                break
        if found:
            known = {k for k, _ in first.qualifiers}
            extra = tuple(q for q in found if q[0] not in known)
            out[models[0]] = EntityRef(first.surface, first.kind, first.status, first.span, first.key,
                                       first.candidates, first.qualifiers + extra)
    return out


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in re.finditer(r"(?<=[.!?])\s+(?=[A-Z])", text):
        spans.append((start, m.start()))
        start = m.end()
    return spans + [(start, len(text))]


# Names the vocabulary lacks but whose place in the sentence says what they are: "on the MMLU benchmark",
# "scores 71% on GSM8K", "trained with DPO". They become new entities, flagged for review.
_NAME = r"(?P<name>[A-Z][\w.+-]*(?:\s[A-Z][\w.+-]*){0,2})"
_CONTEXT_NAMES = [
    (re.compile(rf"(?<![\w.])(?:\d+(?:\.\d+)?\s*%?|ranks?\s+\w+|points?)\s+(?:[a-z-]+\s+){{0,2}}(?:on|in)\s+(?:the\s+)?{_NAME}"
                rf"(?=\s+(?:benchmark|leaderboard|eval|test)|\s*\(|[\s.,;:]|$)"), "Benchmark"),
    (re.compile(rf"\bon\s+(?:the\s+)?{_NAME}\s+(?:benchmark|leaderboard)\b"), "Benchmark"),
    (re.compile(rf"\btrained\s+(?:with|using|via)\s+{_NAME}"), "Method"),
]


def _qualified(text: str, entity: EntityRef) -> EntityRef:
    """Size and architecture written right before a model's name ('a 7B AgentFlow model', '500B MoE')."""
    if entity.kind != "Model":
        return entity
    before = text[max(0, entity.span.start - 24):entity.span.start]
    qualifiers = []
    size = re.search(r"(\d+(?:\.\d+)?[BMK])(?:-parameter)?\s+(?:\w+\s+)?$", before)
    if size:
        qualifiers.append(("size", size.group(1)))
    inner = _SIZE.search(entity.surface)
    if inner and not size:
        qualifiers.append(("size", inner.group(1)))
    if not qualifiers:
        return entity
    return EntityRef(entity.surface, entity.kind, entity.status, entity.span, entity.key, entity.candidates,
                     tuple(qualifiers))


def _sentences(masked: str) -> Iterator[tuple[int, str]]:
    start = 0
    for match in re.finditer(r"(?<=[.!?])\s+(?=[A-Z⟦])|(?<=:)\s+(?=Result)", masked):
        yield start, masked[start:match.start()]
        start = match.end()
    yield start, masked[start:]


def _is(ref: EntityRef | None, *kinds: str) -> bool:
    return ref is not None and ref.kind in kinds


# -- the rules ------------------------------------------------------------------------------------------

#: "A", "A and B", "A, B, and C", "A or B": a list of names
_LIST = rf"{E}(?:(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+){E})*"
_SCORE_VERB = (r"(?:achieved|achieves|scored|scores|reached|reaches|gets|got|hits|hit|posts|posted|obtains|obtained|"
               r"records|recorded)")
R_SCORE = re.compile(
    rf"{_e('model')}(?:'s)?(?:\s+\w+){{0,3}}?\s+{_SCORE_VERB}\s+(?:an?\s+)?(?:score\s+of\s+)?{_n('value')}\s*"
    rf"(?P<unit>%|percent|points|pp)?(?:\s+(?:{_e('metric_ref')}|(?P<metric>[a-z][a-z-]*(?:\s(?!on\b)[a-z][a-z-]*){{0,2}})))?"
    rf"\s+(?:on|in)\s+(?:the\s+)?{_e('bench')}(?:\s+(?:benchmark|leaderboard|eval(?:uation)?|test))?"
    rf"(?:\s*\((?P<setting>[^)]*)\))?")
# ", 48.8% on MMLU (5-shot, lm-eval-harness) and 63.6% on MMLU (…)": more scores of the same model
R_SCORE_MORE = re.compile(rf"(?:\s+(?:in|on|according\s+to|per|from|by|at)\s+[^,;.()]{{1,80}}?)?"  # "… in the X paper"
                          rf"\s*(?:,\s*(?:and\s+|but\s+)?|\s+(?:and|but)\s+){_n('value')}\s*(?P<unit>%|percent|points)?"
                          rf"\s+(?:on|in)\s+(?:the\s+)?{_e('bench')}(?:\s*\((?P<setting>[^)]*)\))?")
# "On MMLU (5-shot) …: A scores 37.7% and B scores 34.2%": scores whose benchmark is the sentence's topic
R_TOPIC = re.compile(rf"^(?:[Oo]n|[Ii]n|[Ff]or)\s+(?:the\s+)?{_e('bench')}(?:\s*\((?P<setting>[^)]*)\))?")
R_SCORE_BARE = re.compile(rf"{_e('model')}\s+{_SCORE_VERB}\s+{_n('value')}\s*(?P<unit>%|percent|points)?"
                          rf"(?!\s*(?:%|percent|points)?\s+(?:on|in)\b)")
R_RANK = re.compile(
    rf"(?:{_e('model')}|(?P<coordinated>\band))\s+(?:ranks?|ranked|placed|places|sits|sat|comes?|came)\s+(?:at\s+)?(?:(?P<rank>\d+)(?:st|nd|rd|th)|"
    rf"(?P<word>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth))(?:\s+place)?\s+(?:on|in)\s+"
    rf"(?:the\s+)?{_e('bench')}(?:\s+(?:benchmark|leaderboard|index))?"
    rf"(?:\s+(?:at|with(?:\s+a\s+score\s+of)?)\s+{_n('value')}\s*(?P<unit>%)?)?")
R_TABLE = re.compile(rf"{_e('bench')}\s*\((?P<setting>[^)]*\b(?:shot|CoT|judge|v\d)[^)]*)\)\s*:?\s*{_n('value')}"
                     rf"\s*(?P<unit>%)?")
R_PAREN = re.compile(rf"{_e('model')}\s*\(\s*{_n('value')}\s*(?P<unit>%)?\s*\)")
R_TRAIL = re.compile(rf"\b(?P<verb>trailing|trails|behind|ahead of|above|below|beating|beats|edging)\s+"
                     rf"(?P<list>{E}(?:\s*\([^)]*\))?(?:(?:,\s*|\s+and\s+|,\s+and\s+){E}(?:\s*\([^)]*\))?)*)")
_PAREN_SCORE = r"(?:\s*\(\s*(?P<{0}>\d+(?:\.\d+)?)\s*(?P<{0}_unit>%)?\s*\))?"
R_COMPARE = re.compile(
    rf"{_e('a')}{_PAREN_SCORE.format('va')}(?:\s+model)?\s+(?P<verb>beats|outperforms|surpasses|exceeds|trails|lags behind|underperforms|matches|"
    rf"rivals|is comparable to|is on par with|ties with|ties)\s+{_e('b')}{_PAREN_SCORE.format('vb')}(?:\s+model)?\s+"
    rf"(?:on|in|at|across)\s+(?P<targets>(?:(?!,?\s*(?:and|but|while|whereas)\s+{_OPEN}|\s(?:while|whereas|but)\s|\s*\()"
    rf"[^.;:—])+)(?:\s*\((?P<setting>[^)]*)\))?")
R_PRESENTED = re.compile(rf"{_e('org')}\s+(?:presented|introduced|unveiled|released)\s+{_e('thing')}\s+at\s+{_e('event')}")
R_PROPOSED = re.compile(rf"{_e('thing')},?\s+(?:proposed|introduced|developed)\s+by\s+{_e('who')}")
R_TRAINING_METHOD = re.compile(rf"(?:[Tt]he\s+)?training\s+(?:method|recipe|algorithm|objective),?\s+{_e('method')}")
R_TRAINED_WITH = re.compile(rf"{_e('model')}(?:\s+\w+){{0,2}}?\s+(?:is\s+|was\s+)?trained\s+(?:with|using|via|by)\s+"
                            rf"{_e('method')}")
R_USES_OBJECTIVE = re.compile(rf"{_e('method')}\s+(?:uses|optimi[sz]es|minimi[sz]es|adopts)\s+(?:an?\s+)?{_e('objective')}"
                              rf"(?:\s+objective)?")
R_IMPROVES = re.compile(rf"{_e('subject')}\s+improves\s+(?:over|on|upon)\s+(?P<list>{_LIST})")
R_VARIANT = re.compile(rf"{_e('a')}\s+(?:extends|is\s+a\s+variant\s+of|builds\s+on|is\s+based\s+on)\s+{_e('b')}")
R_SUPERLATIVE = re.compile(r"\s*(?:—|-|,)\s*(?P<sup>the\s+(?:highest|best|top|lowest|strongest)\s+(?:[\w-]+\s+){0,3}"
                           r"(?:ever\s+recorded|to\s+date|so\s+far|yet|ever|on\s+record))")

# "objectives based on reverse KL or Jensen-Shannon fail to guarantee monotonic policy improvement"
R_PROPOSITION = re.compile(
    rf"(?P<list>{_LIST})(?:\s+(?:objectives?|methods?|models?|"
    rf"baselines?|approach(?:es)?))?\s+(?P<verb>fail(?:s|ed)?\s+to|cannot|can't|do(?:es)?\s+not|don't|doesn't|never|"
    rf"guarantees?|ensures?|provides?)\s+(?P<prop>[a-z][a-z-]*(?:\s+[a-z][a-z-]*){{0,5}})")
# "smarter models hallucinate more, not less"; "larger models are more accurate"
_X_WORDS = {"smarter": "intelligence", "more intelligent": "intelligence", "more capable": "capability",
            "larger": "size", "bigger": "size", "stronger": "capability"}
R_TREND = re.compile(r"\b(?P<x>smarter|more intelligent|more capable|larger|bigger|stronger)\s+models\s+"
                     r"(?P<y>hallucinate|err|fail|refuse|score|are\s+(?:more|less)\s+[a-z]+)\s*(?P<dir>more|less)?",
                     re.IGNORECASE)
_Y_WORDS = {"hallucinate": "hallucination", "err": "error rate", "fail": "failure rate", "refuse": "refusal rate",
            "score": "score"}
_NEGATING = ("fail", "cannot", "can't", "do not", "does not", "don't", "doesn't", "never")

_DIRECTION = {"beats": "better", "outperforms": "better", "surpasses": "better", "exceeds": "better",
              "trails": "worse", "lags behind": "worse", "underperforms": "worse", "matches": "equal",
              "rivals": "equal", "is comparable to": "equal", "is on par with": "equal", "ties with": "equal",
              "ties": "equal", "trailing": "worse", "behind": "worse", "ahead of": "better", "above": "better",
              "below": "worse", "beating": "better", "edging": "better"}


def _unit(symbol: str | None) -> str | None:
    if symbol in ("%", "percent"):
        return "percent"
    if symbol in ("points", "pp"):
        return "points"
    return None


def extract_claim(text: str, lexicon: Lexicon, context: dict[str, str] | None = None) -> Extraction:
    """Everything the rules read in one claim's text.

    ``context`` carries what earlier claims of the same dossier taught about names the vocabulary lacks
    (a name read as a benchmark in claim 1 is a benchmark in claim 3 too); it is updated in place.
    """
    try:
        entities = _entities(text, lexicon, context)
    except RecursionError:  # pathological input: no structure rather than an error
        return Extraction()
    m = _Masked(text, entities)
    scores: list[ScoreAssertion] = []
    comparisons: list[ComparisonAssertion] = []
    facts: list[Fact] = []
    for offset, sentence in _sentences(m.masked):
        _read_sentence(m, offset, sentence, scores, comparisons, facts)
    _method_context(m, facts)
    propositions = _propositions(m)
    trends = [Trend(_X_WORDS[x["x"].lower()], _trend_y(x), _trend_sign(x), Span(x.start(), x.end(), x.group(0)),
                    "trend", 0.7)
              for x in R_TREND.finditer(text)]
    return Extraction(tuple(entities), tuple(scores), tuple(comparisons), tuple(dict.fromkeys(facts)),
                      tuple(propositions), tuple(trends))


def _propositions(m: _Masked) -> list[Proposition]:
    out = []
    for x in R_PROPOSITION.finditer(m.masked):
        polarity = "negative" if x["verb"].startswith(_NEGATING) else "positive"
        prop = " ".join(x["prop"].split())
        prop = re.sub(r"\s+(?:and|or|but|when|while|even|because|that|which)\b.*$", "", prop)
        if polarity == "negative" and x["verb"].startswith(("do", "does", "don't", "doesn't")) and \
                prop.split()[0] in ("have", "has"):
            continue  # "doesn't have that failure mode": a property too vague to compare
        for item in re.finditer(E, x["list"]):
            subject = m.entity(item.group(1))
            if _is(subject, "Method", "Model"):
                out.append(Proposition(subject, prop, polarity, m.span(x.start(), x.end()), "proposition", 0.7))  # type: ignore[arg-type]
    return out


def _trend_y(x: re.Match[str]) -> str:
    y = x["y"].lower()
    if y.startswith("are"):
        return y.split()[-1]
    return _Y_WORDS.get(y, y)


def _trend_sign(x: re.Match[str]) -> str:
    y, direction = x["y"].lower(), (x["dir"] or "").lower()
    if y.startswith("are"):
        return "positive" if " more " in f" {y} " else "negative"
    return "negative" if direction == "less" else "positive"


def _read_sentence(m: _Masked, offset: int, s: str, scores: list[ScoreAssertion],
                   comparisons: list[ComparisonAssertion], facts: list[Fact]) -> None:
    anchor: ScoreAssertion | None = None
    for x in R_SCORE.finditer(s):
        model, metric_ref, bench = m.entity(x["model"]), m.entity(x["metric_ref"]), m.entity(x["bench"])
        if not _is(model, "Model") or not _is(bench, "Benchmark"):
            continue
        sup = R_SUPERLATIVE.match(s, x.end())
        score = ScoreAssertion(model, bench, m.span(offset + x.start(), offset + x.end()), "score-verb", 0.9,
                               value=_number(x["value"]), unit=_unit(x["unit"]),
                               metric=(metric_ref.surface if metric_ref else x["metric"]),
                               metric_ref=metric_ref if _is(metric_ref, "Metric") else None,
                               setting=parse_setting(x.group("setting")),
                               superlative=" ".join(sup.group("sup").split()[1:]) if sup else None)
        scores.append(score)
        anchor = anchor or score
    for score in list(scores):
        position = _local_end(m, offset, score)
        while (x := R_SCORE_MORE.match(s, position)) is not None:
            bench = m.entity(x["bench"])
            if not _is(bench, "Benchmark"):
                break
            start = offset + x.start() + (len(x.group(0)) - len(x.group(0).lstrip(" ,")))
            scores.append(ScoreAssertion(score.model, bench, m.span(start, offset + x.end()),  # type: ignore[arg-type]
                                         "score-list", 0.8, value=_number(x["value"]), unit=_unit(x["unit"]),
                                         setting=parse_setting(x["setting"])))
            position = x.end()
    topic = R_TOPIC.search(s)
    if topic and _is(m.entity(topic["bench"]), "Benchmark"):
        for x in R_SCORE_BARE.finditer(s, topic.end()):
            model = m.entity(x["model"])
            if _is(model, "Model"):
                scores.append(ScoreAssertion(model, m.entity(topic["bench"]),  # type: ignore[arg-type]
                                             m.span(offset + x.start(), offset + x.end()), "score-topic", 0.7,
                                             value=_number(x["value"]), unit=_unit(x["unit"]),
                                             setting=parse_setting(topic["setting"])))
    for x in R_RANK.finditer(s):
        model, bench = m.entity(x["model"]), m.entity(x["bench"])
        rule, confidence = "rank", 0.9
        if x["coordinated"]:  # "X was trained with Y and ranks 3rd on …": the sentence's last model before
            before = [m.entities[int(i)] for i in re.findall(E, s[: x.start()])]
            model = next((e for e in reversed(before) if e.kind == "Model"), None)
            rule, confidence = "rank-coordinated", 0.7
        if not _is(model, "Model") or not _is(bench, "Benchmark"):
            continue
        rank = int(x["rank"]) if x["rank"] else _WORD_ORDINALS[x["word"]]
        score = ScoreAssertion(model, bench, m.span(offset + x.start(), offset + x.end()), rule, confidence,  # type: ignore[arg-type]
                               value=_number(x["value"]), unit=_unit(x["unit"]), rank=rank)
        scores.append(score)
        anchor = score
    for x in R_TABLE.finditer(s):
        bench = m.entity(x["bench"])
        subject = next((e for e in reversed(m.entities[: int(x["bench"])]) if e.kind == "Model"), None)
        if _is(bench, "Benchmark") and subject is not None:
            scores.append(ScoreAssertion(subject, bench, m.span(offset + x.start(), offset + x.end()), "table-cell",
                                         0.7, value=_number(x["value"]), unit=_unit(x["unit"]),
                                         setting=parse_setting(x.group("setting"))))
    for x in R_TRAIL.finditer(s):
        if anchor is None:
            continue
        direction = _DIRECTION[x.group("verb")]
        listed = x.group("list")
        base = offset + x.start("list")
        for item in R_PAREN.finditer(listed):
            other = m.entity(item["model"])
            if not _is(other, "Model") or other is anchor.model:
                continue
            span = m.span(base + item.start(), base + item.end())
            scores.append(ScoreAssertion(other, anchor.benchmark, span, "parenthesised-score", 0.8,
                                         value=_number(item["value"]), unit=_unit(item["unit"]) or anchor.unit,
                                         metric=anchor.metric, metric_ref=anchor.metric_ref, setting=anchor.setting))
            comparisons.append(ComparisonAssertion(anchor.model, other, direction,
                                                   m.span(offset + x.start(), base + item.end()), "trailing-list", 0.8,
                                                   benchmark=anchor.benchmark))
    for x in R_COMPARE.finditer(s):
        a, b = m.entity(x["a"]), m.entity(x["b"])
        if not _is(a, "Model") or not _is(b, "Model"):
            continue
        direction = _DIRECTION[x["verb"]]
        targets_start = offset + x.start("targets")
        span_all = m.span(offset + x.start(), offset + x.end())
        for target, t_start, t_end in _targets(x.group("targets")):
            ref = _placeholder(m, target)
            span = m.span(offset + x.start(), targets_start + t_end)
            comparisons.append(ComparisonAssertion(
                a, b, direction, span, "comparison-verb", 0.85,
                benchmark=ref if _is(ref, "Benchmark") else None,
                # a domain is said in the claim's own words (names in it unmasked)
                domain=None if _is(ref, "Benchmark") else m.span(targets_start + t_start, targets_start + t_end).text))
            if _is(ref, "Benchmark"):  # "A (52.7%) outperforms B (48.8%) on X": the values are scores on X
                for who, value in ((a, "va"), (b, "vb")):
                    if x[value] is not None:
                        scores.append(ScoreAssertion(who, ref, span_all, "comparison-score", 0.8,  # type: ignore[arg-type]
                                                     value=_number(x[value]), unit=_unit(x[f"{value}_unit"]),
                                                     setting=parse_setting(x["setting"])))
    for x in R_PRESENTED.finditer(s):
        org, thing, event = m.entity(x["org"]), m.entity(x["thing"]), m.entity(x["event"])
        span = m.span(offset + x.start(), offset + x.end())
        if _is(event, "Event") and thing is not None:
            facts.append(Fact(thing, "presentedAt", event, span, "presented-at", 0.9))  # type: ignore[arg-type]
        if _is(org, "Organization") and thing is not None:
            facts.append(Fact(thing, "presentedBy", org, span, "presented-at", 0.9))  # type: ignore[arg-type]
    for x in R_PROPOSED.finditer(s):
        thing, who = m.entity(x["thing"]), m.entity(x["who"])
        if thing is not None and _is(who, "Organization"):
            facts.append(Fact(thing, "proposedBy", who, m.span(offset + x.start(), offset + x.end()), "proposed-by",
                              0.85))  # type: ignore[arg-type]
    for x in R_TRAINED_WITH.finditer(s):
        model, method = m.entity(x["model"]), m.entity(x["method"])
        if _is(model, "Model") and _is(method, "Method"):
            facts.append(Fact(model, "trainedWith", method, m.span(offset + x.start(), offset + x.end()),  # type: ignore[arg-type]
                              "trained-with", 0.9))
    for x in R_USES_OBJECTIVE.finditer(s):
        method, objective = m.entity(x["method"]), m.entity(x["objective"])
        if _is(method, "Method", "Model") and _is(objective, "Method"):
            facts.append(Fact(method, "usesObjective", objective, m.span(offset + x.start(), offset + x.end()),  # type: ignore[arg-type]
                              "uses-objective", 0.8))
    for x in R_IMPROVES.finditer(s):
        subject = m.entity(x["subject"])
        if not _is(subject, "Method", "Model"):
            continue
        base = offset + x.start("list")
        for item in re.finditer(E, x.group("list")):
            other = m.entity(item.group(1))
            if _is(other, "Method", "Model") and other is not subject:
                facts.append(Fact(subject, "improvesOver", other, m.span(offset + x.start(), base + item.end()),  # type: ignore[arg-type]
                                  "improves-over", 0.85))
    for x in R_VARIANT.finditer(s):
        a, b = m.entity(x["a"]), m.entity(x["b"])
        if _is(a, "Method", "Model") and _is(b, "Method", "Model"):
            facts.append(Fact(a, "variantOf", b, m.span(offset + x.start(), offset + x.end()), "variant-of", 0.8))  # type: ignore[arg-type]


def _local_end(m: _Masked, offset: int, score: ScoreAssertion) -> int:
    """Where a score read in this sentence ends, as an offset into the sentence's masked text."""
    for m_start, o_start, m_len, o_len in m._map:
        if o_len is None and o_start <= score.span.end <= o_start + m_len:
            return m_start + (score.span.end - o_start) - offset
        if o_len is not None and score.span.end == o_start + o_len:
            return m_start + m_len - offset
    return 0


def _method_context(m: _Masked, facts: list[Fact]) -> None:
    """'The training method, Flow-GRPO, …' after a sentence about a system: the system is trained with it."""
    for x in R_TRAINING_METHOD.finditer(m.masked):
        method = m.entity(x["method"])
        system = next((e for e in reversed(m.entities[: int(x["method"])]) if e.kind == "Model"), None)
        if _is(method, "Method") and system is not None:
            facts.append(Fact(system, "trainedWith", method, m.span(x.start(), x.end()),  # type: ignore[arg-type]
                              "training-method-apposition", 0.75))


def _targets(text: str) -> Iterator[tuple[str, int, int]]:
    """'search, math, and science reasoning' → ('search', …), ('math', …), ('science reasoning', …)."""
    # what follows the list is not part of it: "on MMLU in the snapshot of 2023-05-26", "on GSM8K in every report"
    cut = re.search(r"\s+(?:in|under|at|according\s+to|as|when|during|across|since|after|before)\s", text)
    text = text[:cut.start()] if cut else text
    for match in re.finditer(r"[^,]+", text):
        for piece in re.finditer(r"(?:(?:and|or)\s+)?(?P<t>(?:(?!\s(?:and|or)\s).)+)", match.group(0)):
            target = piece.group("t").strip()
            if target and target not in ("and", "or"):
                start = match.start() + piece.start("t") + (len(piece.group("t")) - len(piece.group("t").lstrip()))
                yield target, start, start + len(target)


def _placeholder(m: _Masked, target: str) -> EntityRef | None:
    found = re.fullmatch(rf"(?:the\s+)?{E}(?:\s+(?:benchmark|leaderboard))?", target.strip())
    return m.entity(found.group(1)) if found else None
