"""The sentence check an LLM's text must pass before it is published: fair to a good answer, strict on a bad one.

`grounding.check` answers "is this amount anywhere in the evidence?"; that alone let an invented "+3.4%" pass
on another stock's -3.37%. Here every sentence is checked on its own, and every number is bound to what the
sentence says it is about:

- **Subject.** The entity nearest the number in its sentence (a code, a name the lexicon knows, an industry,
  "the index"/"指数", "the ETF"/"基金"); a sentence naming none speaks of the previous sentence's subject.
  Only that subject's figures can back the number. A passage the sentence (or its paragraph) cites also backs
  an amount it states.
- **Measure.** A return, contribution, weight, premium, tracking or flows word in the number's clause keeps
  only figures of that measure ("权重2.35%" is not backed by a 2.35% return).
- **Period.** The period the sentence names ("今天", "这个月", "过去5天", "2025年12月31日至2026年1月9日") must be
  the figure's: a day's return does not back a sentence about the month (periods.py).
- **Sign.** An explicit sign, or a direction word between the subject and the number ("下跌", "fell",
  "跑输", "behind"), must agree with the figure's sign. Units stay strict (% vs pp vs 元/份 at any scale).
- **Claims without numbers.** A sentence that states a move, a measure or a methodology/fund fact needs a
  citation in the sentence or its paragraph; a direction stated without a number ("560500今天下跌") must
  match the subject's return.
- **No forecasts, no advice.** "明天可能会涨", "you should buy" are rejected unless the sentence refuses
  ("我不做预测"); a news sentence may report what an article expects (it must cite the passage).
- **Names are not claims.** Entity names are masked before numbers are read ("500质量成长ETF" states no
  500), and names kept in Chinese do not make an English answer "mostly Chinese".

`check_text` returns one `SentenceVerdict` per sentence plus whole-text problems (unknown or bare citation
markers, language), so repair can be narrow: only the failing sentences, with their reasons.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Literal

from assistant.analysis.figures import FactName
from assistant.answer.check_words import (
    ABSTAIN,
    FORECAST,
    MEASURE_WORDS,
    METHOD,
    REFUSAL,
    SOURCE_WORDS,
    UNSIGNED,
    clause_end,
    clause_start,
    direction,
    direction_after,
    measure_of,
    measures_near,
)
from assistant.answer.grounding import DateLike, FactLike
from assistant.answer.grounding import check as amounts_check
from assistant.answer.numbers import Mention, extract, parse_unit
from assistant.answer.periods import Cue, cue_for, cues, fits, periods_of
from assistant.answer.sentences import PLACEHOLDER, sentence_parts

Language = Literal["zh", "en"]
EntityFinder = Callable[[str], list[tuple[str, int, int]]]
"""`text -> [(subject, start, end)]`: where the text names a subject of the facts (code, name, industry)."""

_BARE_MARKER = re.compile(r"\[\^?\d+(?:\s*[,，、]\s*\d+)*\]")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class SentenceVerdict:
    """One sentence of the draft and what keeps it from being published (empty: it passes)."""

    text: str
    start: int
    end: int
    subjects: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    backing: list[FactLike] = field(default_factory=list)  # the facts its numbers were matched to
    cites: list[str] = field(default_factory=list)  # known ids it (or its paragraph) cites
    needs_cite: bool = False  # a claim without a citation of its own: see `settle_citations`
    text_claim: bool = False  # a claim stated without numbers
    news_claim: bool = False  # it reports news, an announcement, a methodology or fund fact: needs a passage

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def plain(self) -> str:
        return PLACEHOLDER.sub("", self.text).strip()


@dataclass
class TextVerdict:
    sentences: list[SentenceVerdict]
    problems: list[str] = field(default_factory=list)  # whole-text problems (markers, language, empty)

    @property
    def ok(self) -> bool:
        return not self.problems and all(s.ok for s in self.sentences)

    @property
    def failing(self) -> list[SentenceVerdict]:
        return [s for s in self.sentences if not s.ok]

    @property
    def unsupported(self) -> list[str]:
        return [u for s in self.sentences for u in s.unsupported]

    def all_problems(self) -> list[str]:
        return self.problems + [f'"{s.plain[:120]}": {p}' for s in self.failing for p in s.problems]


@dataclass(frozen=True)
class Evidence:
    """What a text may rely on: facts, the citable ids (id -> kind), cited passages' quotes, data dates."""

    facts: Sequence[FactLike]
    sources: Mapping[str, str]
    quotes: dict[str, str]
    dates: Sequence[DateLike] = ()
    find_entities: EntityFinder | None = None


# ------------------------------------------------------------------------------------------ helpers


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        chars[a:b] = [" "] * (b - a)
    return "".join(chars)


def _fact_matches(mention: Mention, fact: FactLike, sign: int) -> bool:
    parsed = parse_unit(fact.unit)
    family, scale = parsed if parsed else (fact.unit, 1.0)
    if family == "date" or (mention.unit is not None and family != mention.unit):
        return False
    base = abs(fact.value) * scale
    if abs(base - mention.base) > mention.tolerance + 1e-9 * max(1.0, base):
        return False
    if measure_of(fact.name) in UNSIGNED:
        return True
    return not (sign and abs(fact.value) * scale > mention.tolerance and (fact.value > 0) != (sign > 0))


# ------------------------------------------------------------------------------------------ the check


class SentenceChecker:
    """Checks texts against one `Evidence`; keeps the subject carried from sentence to sentence."""

    def __init__(self, evidence: Evidence, language: Language) -> None:
        self.ev = evidence
        self.language = language
        self.by_subject: dict[str, list[FactLike]] = {}
        for f in evidence.facts:
            self.by_subject.setdefault(f.subject, []).append(f)
        self.periods = periods_of(evidence.facts)
        self.primary = list(
            dict.fromkeys(
                f.subject for f in evidence.facts if FactName.about(f.name) not in ("constituent", "industry")
            )
        )

    def entities(self, text: str) -> list[tuple[str, int, int]]:
        found = list(self.ev.find_entities(text)) if self.ev.find_entities else []
        taken = [(a, b) for _, a, b in found]
        for subject in self.by_subject:  # subjects named literally (industries, codes the finder missed)
            if len(subject) < 2:
                continue
            for m in re.finditer(re.escape(subject), text):
                if not any(a < m.end() and m.start() < b for a, b in taken):
                    found.append((subject, m.start(), m.end()))
                    taken.append(m.span())
        return sorted(found, key=lambda e: e[1])

    def check(self, text: str) -> TextVerdict:
        verdict = TextVerdict([])
        if not PLACEHOLDER.sub("", text).strip():
            verdict.problems.append("The answer is empty.")
            return verdict
        unknown = [cid for cid in dict.fromkeys(PLACEHOLDER.findall(text)) if cid not in self.ev.sources]
        if unknown:
            verdict.problems.append("Citations to evidence that does not exist: " + ", ".join(unknown))
        bare = _BARE_MARKER.findall(PLACEHOLDER.sub("", text))
        if bare:
            verdict.problems.append("Markers that resolve to nothing: " + ", ".join(dict.fromkeys(bare)))
        carried: list[str] = []
        pos = 0
        for raw, paragraph in sentence_parts(text):
            s = self.sentence(raw, pos, pos + len(raw), carried, paragraph)
            verdict.sentences.append(s)
            carried = s.subjects or carried
            pos += len(raw)
        settle_citations(
            verdict.sentences, set(PLACEHOLDER.findall(text)) & set(self.ev.sources), set(self.ev.quotes)
        )
        verdict.problems += self.language_problems(text)
        return verdict

    def sentence(
        self, raw: str, a: int, b: int, carried: list[str], paragraph_ids: list[str]
    ) -> SentenceVerdict:
        out = SentenceVerdict(raw, a, b)
        ids = list(dict.fromkeys(PLACEHOLDER.findall(raw))) or paragraph_ids
        known_ids = [i for i in ids if i in self.ev.sources]
        plain = PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), raw)
        ents = self.entities(plain)
        out.subjects = list(dict.fromkeys(s for s, _, _ in ents))
        masked = _mask(plain, [(x, y) for _, x, y in ents])
        quotes = [self.ev.quotes[i] for i in known_ids if i in self.ev.quotes]
        numbers = [m for m in extract(masked) if not m.is_date and m.unit != "count"]
        found = cues(masked)
        for m in numbers:
            cue = cue_for(m, found, clause_end(masked, m.end))
            problem, fact = self._number(m, masked, ents, carried, quotes, cue)
            if problem:
                out.unsupported.append(m.surface)
                out.problems.append(problem)
            elif fact is not None:
                out.backing.append(fact)
        other = amounts_check(
            masked,
            self.ev.facts,
            list(self.ev.quotes.values()),  # dates and counts:
            self.ev.dates,
        )  # backed by any fact or passage
        for m in other.unsupported:
            if m.is_date or m.unit == "count":
                out.unsupported.append(m.surface)
                out.problems.append(f'"{m.surface}" is not a date or count in the evidence.')
        heading = not numbers and (
            masked.strip().rstrip("*").rstrip().endswith((":", "：", "?", "？"))
            or bool(ABSTAIN.search(masked))
        )
        claims = (
            bool(numbers)
            or bool(SOURCE_WORDS.search(masked))
            or bool(METHOD.search(masked))
            or (bool(ents) and any(p.search(masked) for p in MEASURE_WORDS.values()))
        )
        out.cites = known_ids
        out.needs_cite = claims and not heading and not known_ids
        out.text_claim = not numbers
        out.news_claim = bool(SOURCE_WORDS.search(masked) or METHOD.search(masked))
        out.problems += self._directions(masked, ents, numbers)
        if FORECAST.search(masked) and not REFUSAL.search(masked) and not out.news_claim:
            out.problems.append(
                "It forecasts or advises; the answer reports what the data shows, nothing more."
            )
        return out

    def _number(
        self,
        m: Mention,
        text: str,
        ents: list[tuple[str, int, int]],
        carried: list[str],
        quotes: list[str],
        cue: Cue | None = None,
    ) -> tuple[str | None, FactLike | None]:
        """(problem, backing fact) for one number: bound to its subject, measure, sign and period."""
        if quotes and amounts_check(m.surface, [], quotes).ok:
            return None, None  # a cited passage states this amount
        before = [e for e in ents if e[2] <= m.start]
        after = [e for e in ents if e[1] >= m.end]
        nearest = before[-1] if before else (after[0] if after else None)
        start = max(nearest[2] if nearest and nearest[2] <= m.start else 0, clause_start(text, m.start))
        sign = -1 if m.surface.lstrip().startswith("-") else 1 if m.surface.lstrip().startswith("+") else 0
        sign = sign or direction(text[start : m.start]) or direction_after(text, m.end)
        measures = (
            set()
            if m.unit in ("份", "元")
            else measures_near(text, m.start, m.end, clause_start(text, m.start))
        )
        # Subjects, most specific first: the nearest named one, the others the sentence names, else the
        # previous sentence's and the answer's main ones (the ETF and its index).
        others = [e[0] for e in sorted(ents, key=lambda e: min(abs(e[1] - m.end), abs(m.start - e[2])))]
        tiers = [[nearest[0]], others + carried + self.primary] if nearest else [carried + self.primary]
        named = "/".join(dict.fromkeys(tiers[0])) or "the answer's subject"
        # A subject named in the number's own clause, with a return of its own, owns a return in that clause: "the index (930939) gained 1.60%" is not backed by the ETF's 1.60%.
        owned = (
            nearest is not None
            and measures == {"return"}  # a contribution names the index as its object, not its subject
            and nearest[2] <= m.start
            and nearest[2] + (text[nearest[2] : nearest[2] + 1] in ")）") >= clause_start(text, m.start)
            and any(measure_of(f.name) in measures for f in self.by_subject.get(nearest[0], []))
        )
        for subjects in tiers[:1] if owned else tiers:
            pool = [f for subj in dict.fromkeys(subjects) for f in self.by_subject.get(subj, [])]
            fitting = [
                f
                for f in pool
                if not measures or measure_of(f.name) in measures or measure_of(f.name) is None
            ]
            hit = next(
                (f for f in fitting if _fact_matches(m, f, sign) and fits(cue, self.periods[id(f)])), None
            )
            if hit is not None:
                return None, hit
            if cue is not None and any(_fact_matches(m, f, sign) for f in fitting):
                return f'"{m.surface}" is a figure of {named} for another period than "{cue.label}".', None
        pool = [
            f
            for subj in dict.fromkeys(x for t in (tiers[:1] if owned else tiers) for x in t)
            for f in self.by_subject.get(subj, [])
        ]
        if any(_fact_matches(m, f, 0) for f in pool if not measures or measure_of(f.name) in measures):
            return f'"{m.surface}" has the wrong direction for {named}.', None
        if any(_fact_matches(m, f, sign) for f in pool):
            return f'"{m.surface}" is a different measure of {named} than the sentence says.', None
        if any(_fact_matches(m, f, 0) for f in self.ev.facts):
            return f'"{m.surface}" is a figure of another subject, not of {named}.', None
        return f'"{m.surface}" is not in the evidence.', None

    def _directions(self, text: str, ents: list[tuple[str, int, int]], numbers: list[Mention]) -> list[str]:
        """A move stated without a number must agree with the subject's return ("560500今天下跌" on a rise)."""
        if numbers:
            return []
        problems = []
        for subject, _, b in ents:
            returns = [
                f
                for f in self.by_subject.get(subject, [])
                if f.name
                in (FactName.ETF_RETURN_PCT, FactName.INDEX_RETURN_PCT, FactName.CONSTITUENT_RETURN_PCT)
            ]
            window = text[b : min(clause_end(text, b), b + 10)]
            sign = direction(re.sub(r"减|增|降|升", " ", window))
            if returns and sign and returns[0].value and (returns[0].value > 0) != (sign > 0):
                problems.append(
                    f"It says {subject} moved {'up' if sign > 0 else 'down'}, but its return is "
                    f"{returns[0].value:+.2f}%."
                )
        return problems

    def language_problems(self, text: str) -> list[str]:
        plain = PLACEHOLDER.sub(" ", text)
        plain = _mask(plain, [(a, b) for _, a, b in self.entities(plain)])
        plain = re.sub(r"[「“\"『《][^」”\"』》]*[」”\"』》]", " ", plain)  # quoted as given
        plain = re.sub(r"[（(][\u4e00-\u9fff·]+[）)]", " ", plain)  # a name in brackets, as the data gives it
        cjk = len(_CJK.findall(plain))
        words = len(re.findall(r"[A-Za-z]+", plain))
        if self.language == "zh" and cjk == 0 and words:
            return ["The question is in Chinese but the answer is not."]
        if self.language == "en" and cjk > 0.3 * max(1, words + cjk):
            return ["The question is in English but the answer is mostly Chinese."]
        return []


def frame_of(fact: FactLike) -> str:
    """The data citation id of a fact: its first source frame (`fund_etf_hist_em+...` -> `fund_etf_hist_em`)."""
    return str(getattr(fact, "source", "")).split("+")[0].strip()


def settle_citations(
    sentences: Sequence[SentenceVerdict], cited: set[str], passages: Set[str] = frozenset()
) -> None:
    """A claim needs evidence: its own (or its paragraph's) citation, or -- for a sentence whose numbers are
    all figures -- a citation anywhere in the text of the data behind each of them (answers often list their
    data sources once, at the end). A claim without either gets a problem."""
    for s in sentences:
        if not s.needs_cite:
            continue
        frames = {frame_of(f) for f in s.backing}
        if s.backing and not s.unsupported and frames <= cited:
            continue
        if s.text_claim and (passages & cited or (cited and not s.news_claim)):
            continue  # a statement without numbers in an answer that cites its sources (news: a passage)
        s.problems.append("It states a fact but cites no evidence.")


__all__ = [
    "Evidence",
    "SentenceChecker",
    "SentenceVerdict",
    "TextVerdict",
    "frame_of",
    "measure_of",
    "settle_citations",
]
