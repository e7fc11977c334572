"""What the LLM is shown and what its text is checked against: numbered evidence and the check's `Evidence`.

Small models cannot copy ids like `fund_etf_hist_em` or `sina-20260109-560500` reliably (the 1.5B wrote
`[[cite:1]]`), so the model sees evidence numbered `[1]`, `[2]` ... in the order shown and cites those; our code
maps the numbers back to citation ids (`Numbering.to_placeholders`) before checking and building the answer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.analysis.figures import FactName
from assistant.answer.check import EntityFinder, Evidence
from assistant.answer.evidence import PLACEHOLDER
from assistant.answer.grounding import FactLike
from assistant.answer.numbers import extract
from assistant.answer.schema import Answer

_NUMBERED = re.compile(r"[\[【]\s*(?:cite\s*[:：]\s*)?(\d{1,3})\s*[\]】]", re.IGNORECASE)
_GENERIC = {  # words that name the ETF or its index without a code
    "etf": ("ETF", "基金", "the fund", "this fund", "该基金", "本基金"),
    "index": ("指数", "标的指数", "the index", "its index", "index", "benchmark index"),
}


@dataclass
class Numbering:
    """`[n]` <-> citation id, in the order the evidence was shown to the model."""

    ids: list[str] = field(default_factory=list)

    def number(self, citation_id: str) -> int:
        if citation_id not in self.ids:
            self.ids.append(citation_id)
        return self.ids.index(citation_id) + 1

    def to_placeholders(self, text: str) -> tuple[str, list[str]]:
        """The model's `[n]` (or `[[cite:n]]`, `【n】`) become `[[cite:ID]]`; returns unknown numbers too."""
        unknown: list[str] = []

        def swap(m: re.Match[str]) -> str:
            n = int(m.group(1))
            if 1 <= n <= len(self.ids):
                return f"[[cite:{self.ids[n - 1]}]]"
            unknown.append(m.group(0))
            return ""

        text = PLACEHOLDER.sub(lambda m: f"[{m.group(1)}]" if m.group(1).isdigit() else m.group(0), text)
        return _NUMBERED.sub(swap, text), unknown


def entity_finder(
    lexicon: Any, facts: Sequence[FactLike], names: dict[str, Iterable[str]] | None = None
) -> EntityFinder:
    """`text -> [(subject, start, end)]` over the lexicon's securities, extra names (e.g. the tools' own
    names for a code) and the generic words for the ETF ("基金", "the fund") and its index ("指数")."""
    etf = next((f.subject for f in facts if FactName.about(f.name) == "etf"), None)
    index = next((f.subject for f in facts if FactName.about(f.name) == "index"), None)
    surfaces: list[tuple[str, str]] = []
    for subject, extra in (names or {}).items():
        surfaces += [(s, subject) for s in extra if s and len(s) >= 2]
    for kind, generic_of in (("etf", etf), ("index", index)):
        if generic_of:
            surfaces += [(w, generic_of) for w in _GENERIC[kind]]
    surfaces.sort(key=lambda x: -len(x[0]))

    def find(text: str) -> list[tuple[str, int, int]]:
        found: list[tuple[str, int, int]] = []
        if lexicon is not None:
            for e in lexicon.resolve(text):
                found.append((e.code, e.start, e.end))
        low = text.lower()
        for surface, subject in surfaces:
            for m in re.finditer(re.escape(surface.lower()), low):
                a, b = m.span()
                if surface.isascii() and ((a and _word(low[a - 1])) or (b < len(low) and _word(low[b]))):
                    continue
                if not any(x < b and a < y for _, x, y in found):
                    found.append((subject, a, b))
        return sorted(found, key=lambda e: e[1])

    return find


def _word(c: str) -> bool:
    return c.isascii() and (c.isalnum() or c == "_")


def industry_names(facts: Sequence[FactLike]) -> dict[str, list[str]]:
    """English names the offline answerer gives industries ("小金属" -> "minor metals"), so an English answer
    naming an industry binds its numbers to it."""
    from assistant.answer.offline.labels import INDUSTRY_EN as table

    out: dict[str, list[str]] = {}
    for f in facts:
        if FactName.about(f.name) == "industry":
            en = table.get(f.subject) or table.get(f.subject.removesuffix("行业"))
            if en:
                out[f.subject] = [en]
    return out


def question_dates(question: str) -> list[dt.date]:
    """Dates the question names: an answer may repeat them ("2026-01-12 is after the data's latest date")."""
    return [m.value for m in extract(question) if isinstance(m.value, dt.date) and m.precision == "ymd"]


def evidence_of_answer(
    answer: Answer,
    lexicon: Any,
    names: dict[str, Iterable[str]] | None = None,
    extra_facts: Sequence[FactLike] = (),
) -> Evidence:
    """The check's evidence for text written from an answer: its facts, its citations (id -> kind) and the
    quotes of its passages, and its data dates (and the question's)."""
    facts: list[FactLike] = [*answer.facts, *extra_facts]
    return Evidence(
        facts=facts,
        sources={c.id: c.kind for c in answer.citations},
        quotes={c.id: c.quote for c in answer.citations if c.quote},
        dates=[
            answer.data.trade_date,
            answer.data.as_of,
            *(f.as_of for f in facts),
            *question_dates(answer.question),
        ],
        find_entities=entity_finder(lexicon, facts, {**industry_names(facts), **(names or {})}),
    )


def with_placeholders(answer: Answer) -> str:
    """The answer's text with its `[n]` markers turned back into `[[cite:ID]]` placeholders."""
    ids = {c.n: c.id for c in answer.citations}
    return re.sub(
        r"\[(\d+)\]",
        lambda m: f"[[cite:{ids[int(m.group(1))]}]]" if int(m.group(1)) in ids else m.group(0),
        answer.answer,
    )


def _numbered(text: str, known: Iterable[str]) -> tuple[str, dict[str, int]]:
    """Placeholders -> `[n]` by first appearance (unknown ids removed, repeats `[1][1]` merged)."""
    known = set(known)
    order: dict[str, int] = {}

    def number(m: re.Match[str]) -> str:
        cid = m.group(1)
        if cid not in known:
            return ""
        order.setdefault(cid, len(order) + 1)
        return f"[{order[cid]}]"

    return re.sub(r"(\[\d+\])\1+", r"\1", PLACEHOLDER.sub(number, text)).strip(), order


def display_text(sentences: str) -> str:
    """Streamed sentences (placeholders, known ids) as the reader sees them, numbered and spaced as the final
    answer will begin (`publish` joins sentences with the same whitespace rules, `renumbered` numbers them)."""
    return _numbered(_tidy(sentences), PLACEHOLDER.findall(sentences))[0]


def _tidy(text: str) -> str:
    return re.sub(r"[ \t]+\n", "\n", re.sub(r"[ \t]{2,}", " ", text))


def renumbered(answer: Answer, text: str) -> Answer:
    """`answer` with `text` (placeholders) as its body: markers renumbered by first appearance, only the cited
    sources kept, facts kept (they back the numbers the text states)."""
    by_id = {c.id: c for c in answer.citations}
    final, order = _numbered(text, by_id)
    citations = [by_id[cid].model_copy(update={"n": n}) for cid, n in order.items()]
    return answer.model_copy(update={"answer": final, "citations": citations})


def released_above(
    answer: Answer, base: Answer, released: str, build: Callable[[str], Answer] | None = None
) -> Answer:
    """`answer` (the offline fallback) under the sentences already streamed to the reader (placeholders; each
    passed the check when it was released, and a stream cannot take text back). `build` numbers the joined
    text (default: `renumbered` over `base`'s sources; agent mode passes its ledger, which knows the tools')."""
    text = _tidy(released).strip() + "\n\n" + with_placeholders(answer)
    built = build(text) if build is not None else renumbered(base, text)
    return built.model_copy(update={"answerer": answer.answerer, "fallback_reason": answer.fallback_reason})


__all__ = [
    "Numbering",
    "display_text",
    "entity_finder",
    "evidence_of_answer",
    "released_above",
    "renumbered",
    "with_placeholders",
]
