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
- **Sign.** An explicit sign, or a direction word between the subject and the number ("下跌", "fell",
  "跑输", "behind"), must agree with the figure's sign. Units stay strict (% vs pp vs 元/份 at any scale).
- **Claims without numbers.** A sentence that states a move, a measure or a methodology/fund fact needs a
  citation in the sentence or its paragraph; a direction stated without a number ("560500今天下跌") must
  match the subject's return.
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

from assistant.answer.grounding import DateLike, FactLike
from assistant.answer.grounding import check as amounts_check
from assistant.answer.numbers import Mention, extract, parse_unit

Language = Literal["zh", "en"]
EntityFinder = Callable[[str], list[tuple[str, int, int]]]
"""`text -> [(subject, start, end)]`: where the text names a subject of the facts (code, name, industry)."""

PLACEHOLDER = re.compile(r"\[\[cite:([^\]\s]+)\]\]")
_BARE_MARKER = re.compile(r"\[\^?\d+(?:\s*[,，、]\s*\d+)*\]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SENTENCE = re.compile(
    r".*?(?:[。！？!?；;]+|(?<!\bno)(?<!\bNo)(?<!\bvs)(?<!i\.e)(?<!e\.g)(?<!\bCo)\.(?=\s|$)|\n+|$)", re.DOTALL
)
_CLAUSE = re.compile(r"[，,、：:（）()]|\band\b|\bwhile\b|\bbut\b|而|但")

MEASURES: dict[str, tuple[str, ...]] = {  # fact-name fragments of each measure (first match wins)
    "tracking": ("tracking", "difference"),
    "contribution": ("contribution",),
    "explained": ("top_n_share",),
    "weight": ("weight",),
    "premium": ("premium", "discount"),
    "trading": ("volume", "amount", "turnover"),
    "flows": ("units", "scale"),
    "price": ("price", "iopv", "close"),
    "return": ("return",),
}
_MEASURE_WORDS: dict[str, re.Pattern[str]] = {
    "contribution": re.compile(r"贡献|拉动|拖累|contribut\w*|added|dragged|pulled", re.IGNORECASE),
    "weight": re.compile(r"权重|占比|比重|合计占|weigh\w*|account\w* for", re.IGNORECASE),
    "explained": re.compile(r"解释|explain\w*", re.IGNORECASE),
    "trading": re.compile(r"成交|换手|volume|turnover|traded", re.IGNORECASE),
    "price": re.compile(r"价格|收盘价?|现价|最新价|净值|IOPV|price|clos\w*|NAV", re.IGNORECASE),
    "premium": re.compile(r"溢价|折价|premium|discount", re.IGNORECASE),
    "tracking": re.compile(r"跟踪|偏差|tracking|difference", re.IGNORECASE),
    "flows": re.compile(
        r"份额|申购|赎回|净流入|净流出|规模|units?\b|creations?|redemptions?|inflows?|outflows?|"
        r"scale|AUM",
        re.IGNORECASE,
    ),
    "return": re.compile(
        r"涨幅|跌幅|上涨|下跌|涨|跌|收益|回报|returns?|rose|rise[sn]?|fell|fall(?:en|s)?|"
        r"gain\w*|declin\w*|dropp?\w*|\bup\b|\bdown\b",
        re.IGNORECASE,
    ),
}
_UP = re.compile(
    r"上涨|上升|走高|涨|升|增加|增长|增|流入|溢价|跑赢|rose|rise[sn]?|\bup\b|gain\w*|increas\w*|"
    r"higher|inflows?|premium|ahead of|outperform\w*|added",
    re.IGNORECASE,
)
_DOWN = re.compile(
    r"下跌|下降|走低|跌|降|减少|减|流出|折价|跑输|拖累|fell|fall(?:en|s)?|\bdown\b|dropp?\w*|lost|"
    r"declin\w*|decreas\w*|lower|outflows?|discount|behind|underperform\w*|lagg?\w*|dragged",
    re.IGNORECASE,
)
_BOTH = re.compile(r"涨跌幅?|升降|增减|ups? and downs?", re.IGNORECASE)
_SOURCE_WORDS = re.compile(
    r"新闻|报道|消息|公告|据.{0,6}(?:称|显示)|资料显示|\bnews\b|reported|reports?\b|article|"
    r"announce\w*|according to",
    re.IGNORECASE,
)
_ABSTAIN = re.compile(
    r"没有数据|无数据|未披露|没有检索到|暂无|无法|no data|not disclosed|not found|no news|"
    r"cannot|does not (?:have|contain)",
    re.IGNORECASE,
)
_METHOD = re.compile(
    r"调整|调样|选样|样本|加权|权重上限|基日|基点|编制|方法|管理人|托管人|费率|管理费|托管费|成立|"
    r"上市日|业绩基准|比较基准|rebalanc\w*|selection|methodolog\w*|weighting|base date|base value|"
    r"fund manager|custodian|fees?\b|inception|listed on|benchmark",
    re.IGNORECASE,
)


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


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans; citation markers right after a terminator stay with the sentence before them."""
    spans: list[tuple[int, int]] = []
    for m in _SENTENCE.finditer(text):
        a, b = m.span()
        if a == b:
            continue
        lead = re.match(r"\s*(?:\[\[cite:[^\]\s]+\]\]\s*)+", text[a:b])
        if lead and spans and lead.end() > 0:
            pa, _ = spans[-1]
            spans[-1] = (pa, a + lead.end())
            a += lead.end()
        if text[a:b].strip():
            if spans and re.fullmatch(r"\s*(?:[-*+]\s*)?\d{1,2}\.\s*", text[spans[-1][0] : spans[-1][1]]):
                a = spans.pop()[0]  # "1. Giant Network ...": a list marker is not a sentence
            spans.append((a, b))
    return spans


def measure_of(name: str) -> str | None:
    return next((m for m, parts in MEASURES.items() if any(p in name for p in parts)), None)


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        chars[a:b] = [" "] * (b - a)
    return "".join(chars)


def _clause_start(text: str, pos: int) -> int:
    starts = [m.end() for m in _CLAUSE.finditer(text, 0, pos)]
    return starts[-1] if starts else 0


def _clause_end(text: str, pos: int) -> int:
    m = _CLAUSE.search(text, pos)
    return m.start() if m else len(text)


def _direction(window: str) -> int:
    """+1/-1 from the direction word nearest the window's end; 0 when none (or an ambiguous 涨跌)."""
    window = _BOTH.sub(" " * 2, window)
    best: tuple[int, int] = (-1, 0)
    for pattern, sign in ((_UP, 1), (_DOWN, -1)):
        for m in pattern.finditer(window):
            if m.end() > best[0]:
                best = (m.end(), sign)
    return best[1]


def _measures_near(text: str, a: int, b: int, lo: int) -> set[str]:
    """Measures named between the number's subject (or clause start) `lo` and the number, plus the nearest
    one right after it in its clause ("1.60%的涨幅")."""
    hi = _clause_end(text, b)
    found = {name for name, p in _MEASURE_WORDS.items() if p.search(text, lo, a)}
    after = [(m.start(), name) for name, p in _MEASURE_WORDS.items() for m in p.finditer(text, b, hi)]
    if after:
        found.add(min(after)[1])
    return found


_UNSIGNED = {"explained", "weight", "price", "trading"}


def _fact_matches(mention: Mention, fact: FactLike, sign: int) -> bool:
    parsed = parse_unit(fact.unit)
    family, scale = parsed if parsed else (fact.unit, 1.0)
    if family == "date" or (mention.unit is not None and family != mention.unit):
        return False
    base = abs(fact.value) * scale
    if abs(base - mention.base) > mention.tolerance + 1e-9 * max(1.0, base):
        return False
    if measure_of(fact.name) in _UNSIGNED:
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
        self.primary = list(
            dict.fromkeys(
                f.subject for f in evidence.facts if not f.name.startswith(("constituent_", "industry_"))
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
        for m in numbers:
            problem, fact = self._number(m, masked, ents, carried, quotes)
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
            or bool(_ABSTAIN.search(masked))
        )
        claims = (
            bool(numbers)
            or bool(_SOURCE_WORDS.search(masked))
            or bool(_METHOD.search(masked))
            or (bool(ents) and any(p.search(masked) for p in _MEASURE_WORDS.values()))
        )
        out.cites = known_ids
        out.needs_cite = claims and not heading and not known_ids
        out.text_claim = not numbers
        out.news_claim = bool(_SOURCE_WORDS.search(masked) or _METHOD.search(masked))
        out.problems += self._directions(masked, ents, numbers)
        return out

    def _number(
        self, m: Mention, text: str, ents: list[tuple[str, int, int]], carried: list[str], quotes: list[str]
    ) -> tuple[str | None, FactLike | None]:
        """(problem, backing fact) for one number: bound to its subject, measure and sign."""
        if quotes and amounts_check(m.surface, [], quotes).ok:
            return None, None  # a cited passage states this amount
        before = [e for e in ents if e[2] <= m.start]
        after = [e for e in ents if e[1] >= m.end]
        nearest = before[-1] if before else (after[0] if after else None)
        start = max(nearest[2] if nearest and nearest[2] <= m.start else 0, _clause_start(text, m.start))
        sign = -1 if m.surface.lstrip().startswith("-") else 1 if m.surface.lstrip().startswith("+") else 0
        sign = sign or _direction(text[start : m.start]) or _direction_after(text, m.end)
        measures = (
            set()
            if m.unit in ("份", "元")
            else _measures_near(text, m.start, m.end, _clause_start(text, m.start))
        )
        # Subjects, most specific first: the nearest named one, the others the sentence names, else the
        # previous sentence's and the answer's main ones (the ETF and its index).
        others = [e[0] for e in sorted(ents, key=lambda e: min(abs(e[1] - m.end), abs(m.start - e[2])))]
        tiers = [[nearest[0]], others + carried + self.primary] if nearest else [carried + self.primary]
        named = "/".join(dict.fromkeys(tiers[0])) or "the answer's subject"
        for subjects in tiers:
            pool = [f for subj in dict.fromkeys(subjects) for f in self.by_subject.get(subj, [])]
            fitting = [
                f
                for f in pool
                if not measures or measure_of(f.name) in measures or measure_of(f.name) is None
            ]
            hit = next((f for f in fitting if _fact_matches(m, f, sign)), None)
            if hit is not None:
                return None, hit
        pool = [
            f for subj in dict.fromkeys(x for t in tiers for x in t) for f in self.by_subject.get(subj, [])
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
                if f.name in ("etf_return_pct", "index_return_pct", "constituent_return_pct")
            ]
            window = text[b : min(_clause_end(text, b), b + 10)]
            sign = _direction(re.sub(r"减|增|降|升", " ", window))
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


def _direction_after(text: str, end: int) -> int:
    """ "1.60%的涨幅" / "3% decline": a direction word right after the number, within its clause."""
    return _direction(text[end : min(_clause_end(text, end), end + 6)])


def sentence_parts(text: str) -> list[tuple[str, list[str]]]:
    """Sentences with the citation ids their paragraph ends with (a list of facts followed by its sources,
    or a paragraph whose last sentence cites, is covered by those citations)."""
    spans = split_sentences(text)
    out = []
    for i, (a, b) in enumerate(spans):
        line_end = text.find("\n", a)
        line_end = len(text) if line_end < 0 else line_end
        last = i
        while last + 1 < len(spans) and spans[last + 1][0] < line_end:
            last += 1
        tail = text[spans[last][0] : spans[last][1]]
        out.append((text[a:b], PLACEHOLDER.findall(tail)))
    return out


__all__ = [
    "MEASURES",
    "Evidence",
    "SentenceChecker",
    "SentenceVerdict",
    "TextVerdict",
    "frame_of",
    "measure_of",
    "sentence_parts",
    "settle_citations",
    "split_sentences",
]
