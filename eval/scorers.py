"""Deterministic scorers: one answer object + one gold case -> a CaseScore. No LLM, no network.

Per case:
- numeric accuracy: share of gold facts found in `answer.facts` with the same name and subject (and as_of date
  when the gold gives one) whose value is within the tolerance (signed: a fall reported as a rise is wrong);
- unsupported numbers: mentions in the answer text that neither a fact nor a cited passage backs, unit-aware,
  via `assistant.answer.grounding.check` (the same rule the answerer gates on);
- entity recall: required entities (any alias) named in the text;
- citations: precision and recall of the cited news/document ids against gold; `data` citations are left out of
  precision unless the gold lists them; a forbidden id is a false positive and is also counted on its own;
- outcome (FinanceBench-style): correct / incorrect / abstained, and whether abstaining was right;
- retrieval recall@k and reciprocal rank from the order of cited ids (news/document cases);
- language match; latency is measured by the runner;
- answers first: the first sentence states the asked figure or entity, or the reason it cannot answer
  (`gold.answers_first`, or by default the first gold fact / entity, or the refusal for an abstention).

Aggregation (`aggregate`) is micro over facts / mentions / citations, mean over cases elsewhere.

Extension point for LLM judges (ragas/deepeval faithfulness, relevancy): implement `Judge` and pass it to the
runner; it only runs when an LLM is configured and its scores land in `CaseScore.judge`. None ships here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

from assistant.answer.grounding import check as grounding_check
from assistant.answer.numbers import extract as extract_mentions
from assistant.answer.schema import Answer
from eval.dataset import Case, GoldFact
from eval.first import answers_first
from eval.phrases import ABSTAIN, named

Outcome = Literal["correct", "incorrect", "abstained"]

_ABSTAIN = ABSTAIN
_CJK = re.compile(r"[\u4e00-\u9fff]")


def is_abstention(answer: Answer) -> bool:
    """Did the answerer decline? An explicit flag wins (`abstained`/`status` on the object or in `data`),
    else: no facts and a "no data / cannot answer" phrase in the text."""
    for holder in (answer, answer.data):
        for attr in ("abstained", "abstain"):
            flag = getattr(holder, attr, None)
            if isinstance(flag, bool):
                return flag
        status = getattr(holder, "status", None) or getattr(holder, "outcome", None)
        if isinstance(status, str):
            return status.lower() in ("abstain", "abstained", "no_data", "not_found", "unanswerable")
    extra = (answer.model_extra or {}) | (answer.data.model_extra or {})
    for key in ("abstained", "abstain"):
        if isinstance(extra.get(key), bool):
            return bool(extra[key])
    # A "no data" phrase in the answer's first two sentences is a refusal even if it goes on with what it did
    # find (the latest day, the known ETFs); further down it is a caveat inside an answer, unless the answer
    # states no market fact and cites no passage at all.
    text = answer.answer
    if _ABSTAIN.search(_lead(text)):
        return True
    substantive = [f for f in answer.facts if f.unit not in ("date", "count")]
    passages = [c for c in answer.citations if c.kind != "data"]
    return not substantive and not passages and bool(_ABSTAIN.search(text))


def _lead(text: str, sentences: int = 2) -> str:
    parts = [p for p in re.split(r"(?<=[。！？!?])|(?<=\.)\s|\n+", text.strip()) if p and p.strip()]
    return " ".join(parts[:sentences])[:400]


_QUOTED = re.compile(r"“[^”]*”|「[^」]*」|『[^』]*』|\"[^\"\n]*\"")


def detect_language(text: str) -> str:
    """'zh' or 'en' from the share of CJK letters in the prose (quoted passages left out)."""
    text = _QUOTED.sub(" ", text)
    letters = sum(ch.isalpha() for ch in text) or 1
    return "zh" if len(_CJK.findall(text)) / letters > 0.2 else "en"


# --------------------------------------------------------------------------------------------------------------


@dataclass
class FactResult:
    name: str
    subject: str
    gold: float
    tolerance: float
    got: float | None  # nearest value stated under that name+subject, None when absent
    ok: bool


def score_facts(answer: Answer, gold: Sequence[GoldFact]) -> list[FactResult]:
    out = []
    for g in gold:
        candidates = [
            f.value
            for f in answer.facts
            if f.name == g.name
            and f.subject.strip().lower() == g.subject.strip().lower()
            and (g.as_of is None or str(f.as_of)[:10] == g.as_of.isoformat())
        ]
        got = min(candidates, key=lambda v: abs(v - g.value)) if candidates else None
        ok = got is not None and abs(got - g.value) <= g.tolerance + 1e-9
        out.append(FactResult(g.name, g.subject, g.value, g.tolerance, got, ok))
    return out


def unsupported_numbers(answer: Answer) -> tuple[int, int, list[str]]:
    """(mentions, unsupported mentions, their surfaces) for the answer text.

    Backing: facts, cited passages (quotes of any kind), the data's trade date and as-of, and dates the question
    itself states (echoing "2026-01-10" in "no data for 2026-01-10" is not a claim). Numbers in the question
    back nothing: "say it rose 50%" must not make "50%" supported."""
    # Warnings about the data (Answer.warnings) back the figures they quote: the answer shows them as caveats.
    passages = [c.quote for c in answer.citations if c.quote] + list(answer.warnings)
    dates: list[Any] = [answer.data.trade_date, answer.data.as_of]
    year = int(str(answer.data.trade_date)[:4]) if str(answer.data.trade_date)[:4].isdigit() else None
    dates += [m.value for m in extract_mentions(answer.question or "", year=year) if m.is_date]
    report = grounding_check(answer.answer, answer.facts, passages, dates)
    return report.total, len(report.unsupported), [m.surface for m in report.unsupported]


_named = named


def entity_hits(text: str, entities: Sequence[str | list[str]]) -> list[tuple[str, bool]]:
    out = []
    for e in entities:
        aliases = [e] if isinstance(e, str) else list(e)
        out.append((" | ".join(aliases), any(_named(text, a) for a in aliases)))
    return out


@dataclass
class CitationResult:
    cited: list[str]  # news/document ids in citation order (+ data ids the gold lists)
    true_positive: int
    false_positive: list[str]
    missing: list[str]
    forbidden: list[str]

    @property
    def precision(self) -> float | None:
        n = self.true_positive + len(self.false_positive)
        return self.true_positive / n if n else None

    @property
    def recall(self) -> float | None:
        n = self.true_positive_required + len(self.missing)
        return self.true_positive_required / n if n else None

    true_positive_required: int = 0


def score_citations(answer: Answer, case: Case) -> CitationResult:
    g = case.gold
    listed = set(g.required_ids) | set(g.may_cite) | set(g.must_not_cite)
    ordered: list[str] = []
    for c in sorted(answer.citations, key=lambda c: c.n):
        if c.kind == "data" and c.id not in listed:
            continue
        if c.id not in ordered:
            ordered.append(c.id)
    allowed = set(g.required_ids) | set(g.may_cite)
    tp = [i for i in ordered if i in allowed]
    fp = [i for i in ordered if i not in allowed]
    forbidden = [i for i in ordered if i in set(g.must_not_cite)]
    hit = [grp for grp in g.cite_groups if any(i in ordered for i in grp)]
    missing = [" | ".join(grp) for grp in g.cite_groups if grp not in hit]
    res = CitationResult(ordered, len(tp), fp, missing, forbidden)
    res.true_positive_required = len(hit)
    return res


def retrieval_ranks(
    cited: Sequence[str], relevant: Iterable[str | Sequence[str]], k: int = 5
) -> tuple[float, float]:
    """(recall@k, reciprocal rank) of the relevant ids (or groups of alternative ids) in the cited order."""
    groups = [{r} if isinstance(r, str) else set(r) for r in relevant]
    if not groups:
        return math.nan, math.nan
    top = set(list(cited)[:k])
    recall = sum(bool(g & top) for g in groups) / len(groups)
    rr = next((1.0 / (i + 1) for i, cid in enumerate(cited) if any(cid in g for g in groups)), 0.0)
    return recall, rr


class Judge(Protocol):
    """Extension point: an LLM judge (ragas / deepeval) returning named scores in [0, 1]. Not used in CI."""

    name: str

    def __call__(self, case: Case, answer: Answer) -> dict[str, float]: ...


@dataclass
class CaseScore:
    case_id: str
    category: str
    language: str
    answerer: str
    expected: str  # answer | abstain
    outcome: Outcome
    abstained: bool
    abstention_right: bool
    facts: list[FactResult] = field(default_factory=list)
    mentions: int = 0
    unsupported: list[str] = field(default_factory=list)
    entities: list[tuple[str, bool]] = field(default_factory=list)
    citations: CitationResult | None = None
    retrieval_recall: float | None = None
    retrieval_rr: float | None = None
    language_ok: bool = True
    forbidden_text: list[str] = field(default_factory=list)
    latency_ms: float = 0.0
    error: str | None = None
    answer_text: str = ""
    judge: dict[str, float] = field(default_factory=dict)
    answers_first: bool | None = None  # the first sentence answers (see `answers_first`); None: not scored
    written_by: str | None = None  # Answer.answerer: offline | llm | llm_repaired | offline_fallback
    fallback_reason: str | None = None

    @property
    def numeric_accuracy(self) -> float | None:
        return sum(f.ok for f in self.facts) / len(self.facts) if self.facts else None

    @property
    def entity_recall(self) -> float | None:
        return sum(ok for _, ok in self.entities) / len(self.entities) if self.entities else None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["numeric_accuracy"] = self.numeric_accuracy
        d["entity_recall"] = self.entity_recall
        if self.citations is not None:
            d["citations"]["precision"] = self.citations.precision
            d["citations"]["recall"] = self.citations.recall
        return d


def score_case(
    case: Case,
    answer: Answer | None,
    *,
    answerer: str = "",
    latency_ms: float = 0.0,
    error: str | None = None,
    k: int = 5,
) -> CaseScore:
    expected = case.gold.outcome
    if answer is None:  # the answerer crashed: an incorrect answer, never an abstention
        return CaseScore(
            case.id,
            case.category,
            case.language,
            answerer,
            expected,
            "incorrect",
            False,
            False,
            facts=score_facts(Answer.model_construct(facts=[]), case.gold.facts) if case.gold.facts else [],
            entities=[(e if isinstance(e, str) else " | ".join(e), False) for e in case.gold.entities],
            latency_ms=latency_ms,
            error=error or "no answer",
            language_ok=False,
            answers_first=answers_first(case, None),
        )
    abstained = is_abstention(answer)
    facts = score_facts(answer, case.gold.facts)
    mentions, _n_unsupported, unsupported = unsupported_numbers(answer)
    entities = entity_hits(answer.answer, case.gold.entities)
    citations = score_citations(answer, case)
    rec = rr = None
    if case.is_retrieval:
        rec, rr = retrieval_ranks(citations.cited, case.gold.cite_groups, k)
    lang_ok = answer.language == case.language and detect_language(answer.answer) == case.language
    said = [s for s in case.gold.must_not_say if s in answer.answer]
    if expected == "abstain":
        outcome: Outcome = "abstained" if abstained else "incorrect"
    elif abstained:
        outcome = "abstained"
    else:
        ok = (
            all(f.ok for f in facts)
            and all(hit for _, hit in entities)
            and not citations.forbidden
            and not said
            and not citations.missing
        )
        outcome = "correct" if ok else "incorrect"
    return CaseScore(
        case.id,
        case.category,
        case.language,
        answerer,
        expected,
        outcome,
        abstained,
        abstained == (expected == "abstain"),
        facts,
        mentions,
        unsupported,
        entities,
        citations,
        rec,
        rr,
        lang_ok,
        said,
        latency_ms,
        error,
        answer.answer,
        answers_first=answers_first(case, answer),
        written_by=getattr(answer, "answerer", None),
        fallback_reason=getattr(answer, "fallback_reason", None),
    )


# --------------------------------------------------------------------------------------------------------------


def _mean(xs: Iterable[float | None]) -> float | None:
    vals = [x for x in xs if x is not None and not (isinstance(x, float) and math.isnan(x))]
    return sum(vals) / len(vals) if vals else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    s = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(s)))
    return s[rank - 1]


def aggregate(scores: Sequence[CaseScore]) -> dict[str, Any]:
    """Dataset-level metrics for one answerer (or one category of it)."""
    facts = [f for s in scores for f in s.facts]
    mentions = sum(s.mentions for s in scores)
    unsupported = sum(len(s.unsupported) for s in scores)
    cits = [s.citations for s in scores if s.citations is not None]
    tp = sum(c.true_positive for c in cits)
    fp = sum(len(c.false_positive) for c in cits)
    req_hit = sum(c.true_positive_required for c in cits)
    req_miss = sum(len(c.missing) for c in cits)
    ents = [ok for s in scores for _, ok in s.entities]
    n = len(scores)
    answerable = [s for s in scores if s.expected == "answer"]
    unanswerable = [s for s in scores if s.expected == "abstain"]
    lat = [s.latency_ms for s in scores if s.error is None]
    llm_ran = [s for s in scores if s.written_by in ("llm", "llm_repaired", "offline_fallback")]
    reasons: dict[str, int] = {}
    for s in llm_ran:
        if s.written_by == "offline_fallback":
            reasons[s.fallback_reason or "unknown"] = reasons.get(s.fallback_reason or "unknown", 0) + 1
    return {
        "cases": n,
        "numeric_accuracy": sum(f.ok for f in facts) / len(facts) if facts else None,
        "gold_facts": len(facts),
        "unsupported_numbers": unsupported,
        "unsupported_rate": unsupported / mentions if mentions else 0.0,
        "number_mentions": mentions,
        "entity_recall": sum(ents) / len(ents) if ents else None,
        "citation_precision": tp / (tp + fp) if tp + fp else None,
        "citation_recall": req_hit / (req_hit + req_miss) if req_hit + req_miss else None,
        "forbidden_citations": sum(len(c.forbidden) for c in cits),
        "forbidden_text": sum(len(s.forbidden_text) for s in scores),
        "right": sum(s.outcome == "correct" or (s.expected == "abstain" and s.abstained) for s in scores) / n
        if n
        else None,
        "correct": sum(s.outcome == "correct" for s in scores) / n if n else None,
        "incorrect": sum(s.outcome == "incorrect" for s in scores) / n if n else None,
        "abstained": sum(s.outcome == "abstained" for s in scores) / n if n else None,
        "abstention_correct": sum(s.abstention_right for s in scores) / n if n else None,
        "abstain_when_should": (
            sum(s.abstained for s in unanswerable) / len(unanswerable) if unanswerable else None
        ),
        "answer_when_should": (
            sum(not s.abstained for s in answerable) / len(answerable) if answerable else None
        ),
        "retrieval_recall_at_k": _mean(s.retrieval_recall for s in scores),
        "retrieval_mrr": _mean(s.retrieval_rr for s in scores),
        "language_match": sum(s.language_ok for s in scores) / n if n else None,
        "answers_first": _mean(float(s.answers_first) for s in scores if s.answers_first is not None),
        "latency_p50_ms": percentile(lat, 50),
        "latency_p95_ms": percentile(lat, 95),
        "errors": sum(s.error is not None for s in scores),
        # Who wrote the answers: an LLM run that fell back is scored, but never under the LLM's name silently.
        "llm_written": (
            sum(s.written_by in ("llm", "llm_repaired") for s in llm_ran) / len(llm_ran) if llm_ran else None
        ),
        "llm_repaired": sum(s.written_by == "llm_repaired" for s in llm_ran) / len(llm_ran)
        if llm_ran
        else None,
        "fallback_rate": len([s for s in llm_ran if s.written_by == "offline_fallback"]) / len(llm_ran)
        if llm_ran
        else None,
        "fallback_reasons": dict(sorted(reasons.items())),
    }


__all__ = [
    "CaseScore",
    "CitationResult",
    "FactResult",
    "Judge",
    "aggregate",
    "detect_language",
    "entity_hits",
    "is_abstention",
    "percentile",
    "retrieval_ranks",
    "score_case",
    "score_citations",
    "score_facts",
    "unsupported_numbers",
]
