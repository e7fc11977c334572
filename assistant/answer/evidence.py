"""The ledger: the one place that turns tool results into the answer object.

Everything an answer may rely on is registered here first: figures become `facts` (unrounded), news and
document passages and AKShare frames become citable sources. Keeping it in one place is what lets us
promise that every number has a source and that nothing published after `as_of` is cited.

Citation mechanism (one, on purpose): while composing, the answerer writes placeholder markers
`[[cite:ID]]` -- returned by `add_passage`, `add_article`, `add_document`, `add_data` and `cite` -- in any
order and as often as it likes (an LLM may also write them). `renumber(text)` (called by `build`) then
replaces them by `[n]`, numbered in order of first appearance, drops repeated adjacent markers, and returns
the citations in that order. Sources registered but never cited do not appear in the answer.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Literal

from assistant.analysis.figures import FactName, Figure
from assistant.answer.grounding import GroundingReport, check
from assistant.answer.numbers import extract
from assistant.answer.schema import Answer, Citation, DataInfo, Fact
from assistant.market.model import CHINA_TZ, Article, Document, SourceInfo

Kind = Literal["news", "document", "data"]
PLACEHOLDER = re.compile(r"\[\[cite:([^\]\s]+)\]\]")


def marker(citation_id: str) -> str:
    """The placeholder the answerer writes where citation `citation_id` is relied on."""
    return f"[[cite:{citation_id}]]"


def _aware(value: dt.datetime | str | None) -> dt.datetime | None:
    """Parse and make tz-aware; a naive time is China Standard Time, the market's clock."""
    if value is None:
        return None
    when = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return when if when.tzinfo else when.replace(tzinfo=CHINA_TZ)


@dataclass(frozen=True)
class _Source:
    id: str
    kind: Kind
    title: str | None
    source: str | None
    url: str | None
    published_at: dt.datetime | None
    quote: str | None


def fact_of(figure: Figure) -> Fact:
    """The public answer object's shape of a figure, built here only (the note and the id stay internal)."""
    return Fact(
        name=figure.name,
        subject=figure.subject,
        value=figure.value,
        unit=figure.unit,
        as_of=figure.as_of.isoformat(),
        source=figure.source,
    )


class Ledger:
    """Collects facts and citable sources for one answer, then builds the `Answer`.

    `info` may be given here or to `build`; when known early, look-ahead sources are refused as soon as
    they are added, and `build` checks the cited ones again (defence in depth).
    """

    def __init__(self, info: SourceInfo | None = None) -> None:
        self.info = info
        self._facts: dict[tuple[str, str, str], Fact] = {}
        self._sources: dict[str, _Source] = {}

    # -- facts ---------------------------------------------------------------------------------------
    @property
    def facts(self) -> list[Fact]:
        return list(self._facts.values())

    def add_figure(self, figure: Figure) -> Fact:
        """Register a figure as a fact (deduplicated by name + subject + as_of), its frames as data sources.

        The same key with a different value is a bug upstream (two periods under one name), so it raises
        `ValueError` rather than letting the answer cite an ambiguous number.
        """
        fact = fact_of(figure)
        key = (fact.name, fact.subject, fact.as_of)
        known = self._facts.get(key)
        if known is not None:
            same = math.isclose(known.value, fact.value, rel_tol=1e-12, abs_tol=1e-12)
            if not same or known.unit != fact.unit:
                raise ValueError(
                    f"conflicting values for {figure.name}[{figure.subject}] on {key[2]}: "
                    f"{known.value} {known.unit} vs {fact.value} {fact.unit}"
                )
            return known
        self._facts[key] = fact
        for function in filter(None, (part.strip() for part in figure.source.split("+"))):
            self.add_data(function)
        return fact

    # -- sources -------------------------------------------------------------------------------------
    def add_passage(
        self,
        citation_id: str,
        kind: Kind,
        title: str | None = None,
        source: str | None = None,
        url: str | None = None,
        published_at: dt.datetime | str | None = None,
        quote: str | None = None,
    ) -> str:
        """Register a citable passage; returns its placeholder marker. Re-adding the same id is a no-op."""
        if not citation_id or any(c in citation_id for c in "[] \t\n"):
            raise ValueError(f"invalid citation id {citation_id!r}")
        entry = _Source(citation_id, kind, title, source, url, _aware(published_at), quote)
        self._refuse_look_ahead(entry, self.info)
        known = self._sources.get(citation_id)
        if known is not None and known.kind != kind:
            raise ValueError(f"citation id {citation_id!r} registered as {known.kind}, not {kind}")
        self._sources.setdefault(citation_id, entry)
        return marker(citation_id)

    def add_article(self, article: Article, quote: str | None = None) -> str:
        """Register a news article; `quote` is the passage relied on (defaults to the body)."""
        return self.add_passage(
            article.id,
            "news",
            article.title,
            article.source,
            article.url,
            article.published_at,
            quote if quote is not None else article.body,
        )

    def add_document(self, document: Document, quote: str) -> str:
        """Register a passage of a methodology document or fund contract."""
        return self.add_passage(
            document.id,
            "document",
            document.title,
            document.source,
            document.url,
            document.published_at,
            quote,
        )

    def add_data(self, function: str) -> str:
        """Register an AKShare frame as a data source (id = function name, e.g. `fund_etf_hist_em`)."""
        return self.add_passage(function, "data", source="AKShare")

    def sources(self) -> dict[str, Kind]:
        """Every citable id and its kind."""
        return {cid: s.kind for cid, s in self._sources.items()}

    def quotes(self) -> dict[str, str]:
        """The quote of every news/document passage (data frames have none)."""
        return {cid: s.quote for cid, s in self._sources.items() if s.quote and s.kind != "data"}

    def cite(self, citation_id: str) -> str:
        """Placeholder marker for an already registered source; unknown ids raise `KeyError`."""
        if citation_id not in self._sources:
            raise KeyError(f"citation {citation_id!r} was never registered")
        return marker(citation_id)

    # -- composing -----------------------------------------------------------------------------------
    def renumber(self, text: str, info: SourceInfo | None = None) -> tuple[str, list[Citation]]:
        """Replace `[[cite:ID]]` markers by `[n]` in order of first appearance; return text and citations.

        Unknown ids raise `ValueError`: a marker that resolves to nothing would be a fabricated source.
        """
        info = info or self.info
        order: dict[str, int] = {}

        def number(match: re.Match[str]) -> str:
            cid = match.group(1)
            if cid not in self._sources:
                raise ValueError(f"the answer cites {cid!r}, which was never registered")
            order.setdefault(cid, len(order) + 1)
            return f"[{order[cid]}]"

        final = PLACEHOLDER.sub(number, text)
        final = re.sub(r"(\[\d+\])\1+", r"\1", final)  # "[1][1]" -> "[1]"
        citations = [self._citation(self._sources[cid], n, info) for cid, n in order.items()]
        return final, citations

    def cited_quotes(self, text: str) -> list[str]:
        """Quotes of the passages `text` cites: the only passages allowed to back its numbers."""
        ids = dict.fromkeys(PLACEHOLDER.findall(text))
        return [s.quote for cid in ids if (s := self._sources.get(cid)) is not None and s.quote]

    def cited_dates(self, text: str) -> list[dt.date]:
        """Publication dates of the news/document passages `text` cites: a cited article backs its own date."""
        ids = dict.fromkeys(PLACEHOLDER.findall(text))
        return [
            s.published_at.astimezone(CHINA_TZ).date()
            for cid in ids
            if (s := self._sources.get(cid)) is not None and s.kind != "data" and s.published_at is not None
        ]

    def check(self, text: str, extra_dates: tuple[dt.date, ...] = ()) -> GroundingReport:
        """Ground a composed text (with placeholders) against the facts and the passages it cites (their
        quotes, and their publication dates)."""
        dates: list[dt.date] = list(extra_dates) + self.cited_dates(text)
        if self.info is not None:
            dates += [self.info.trade_date, self.info.as_of.date()]
        return check(PLACEHOLDER.sub("", text), self.facts, self.cited_quotes(text), dates)

    def _register_publication_dates(self, text: str) -> None:
        """A cited passage's publication date that the text states becomes a `published_at` fact (unit "date",
        subject = citation id), so the answer object itself backs it: facts list every number stated."""
        stated = [m for m in extract(PLACEHOLDER.sub("", text)) if m.is_date and m.precision in ("ymd", "md")]
        if not stated:
            return
        for cid in dict.fromkeys(PLACEHOLDER.findall(text)):
            src = self._sources.get(cid)
            if src is None or src.kind == "data" or src.published_at is None:
                continue
            day = src.published_at.astimezone(CHINA_TZ).date()
            if not any(
                m.value == day
                or (
                    m.precision == "md"
                    and isinstance(m.value, dt.date)
                    and (m.value.month, m.value.day) == (day.month, day.day)
                )
                for m in stated
            ):
                continue
            key = (FactName.PUBLISHED_AT, cid, day.isoformat())
            self._facts.setdefault(
                key,
                fact_of(
                    Figure(
                        FactName.PUBLISHED_AT,
                        cid,
                        float(day.year * 10000 + day.month * 100 + day.day),
                        "date",
                        day,
                        cid,
                    )
                ),
            )

    def build(
        self, question: str, text: str, language: Literal["zh", "en"], info: SourceInfo | None = None
    ) -> Answer:
        """The answer object: renumbered text, cited sources in order, all facts, and where data came from."""
        if info is not None and self.info is not None and info != self.info:
            raise ValueError("build() got a SourceInfo different from the ledger's")
        info = info or self.info
        if info is None:
            raise ValueError("a SourceInfo is needed to build an answer (origin and as_of must be stated)")
        for cid in dict.fromkeys(PLACEHOLDER.findall(text)):
            if cid in self._sources:
                self._refuse_look_ahead(self._sources[cid], info)
        self._register_publication_dates(text)
        final, citations = self.renumber(text, info)
        data = DataInfo(
            origin=info.origin, as_of=info.as_of.isoformat(), trade_date=info.trade_date.isoformat()
        )
        return Answer(
            question=question,
            answer=final,
            language=language,
            citations=citations,
            facts=self.facts,
            data=data,
        )

    # -- helpers -------------------------------------------------------------------------------------
    @staticmethod
    def _refuse_look_ahead(entry: _Source, info: SourceInfo | None) -> None:
        if info is not None and entry.published_at is not None and entry.published_at > info.as_of:
            raise ValueError(
                f"{entry.kind} {entry.id!r} was published at {entry.published_at.isoformat()}, "
                f"after the data's as-of {info.as_of.isoformat()}: it cannot be cited"
            )

    @staticmethod
    def _citation(entry: _Source, n: int, info: SourceInfo | None) -> Citation:
        title, published = entry.title, entry.published_at.isoformat() if entry.published_at else None
        if entry.kind == "data" and info is not None:
            when = (
                f"{info.origin} snapshot, as of {info.trade_date.isoformat()}"
                if info.origin != "live"
                else f"live, as of {info.as_of.isoformat(timespec='minutes')}"
            )
            title = title or f"AKShare {entry.id} ({when})"
            published = published or info.as_of.isoformat()
        return Citation(
            n=n,
            id=entry.id,
            kind=entry.kind,
            title=title,
            source=entry.source,
            url=entry.url,
            published_at=published,
            quote=entry.quote,
        )
