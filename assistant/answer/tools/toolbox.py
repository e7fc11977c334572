"""`Toolbox`: the typed calls both answerers make, over the market layer and retrieval.

One code path: the offline answerer calls these methods directly; `adapters.build_tools` wraps the same methods
for the LLM agent. Every result's numbers are facts of the answer object and its passages carry citation ids.
Nothing published after the data's `as_of` is ever returned. A bad argument raises `NotFoundError` /
`InputError`, a data source that is down `UpstreamError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextvars import ContextVar

from assistant.analysis.figures import FactName, Figure
from assistant.answer.tools.core import Searcher, _call
from assistant.answer.tools.market_tools import MarketTools
from assistant.answer.tools.passages import parse_until, passage_from_hit
from assistant.answer.tools.results import (
    PassageRef,
    ProfileResult,
    SearchResult,
)
from assistant.errors import MarketAssistantError, UpstreamError
from assistant.market.frames import first_part, given_text, parse_amount
from assistant.retrieval.safety import is_quarantined

# Queries an answer is about to search (Toolbox.prepare_searches), per answer (context), not per toolbox.
_PENDING_SEARCHES: ContextVar[tuple[str, ...]] = ContextVar("pending_searches", default=())


class Toolbox(MarketTools):
    """What the tools need: market data, the lexicon, and a searcher (a factory is fine: opened lazily).

    The fields and argument resolution are `core.ToolboxCore`'s, the numeric tools `market_tools.MarketTools`';
    the fund profile and the searches are here."""

    # -- fund profile and search ---------------------------------------------------------------------
    def fund_profile(self, etf: str, with_documents: bool = True) -> ProfileResult:
        code = self.resolve_etf(etf)

        def make() -> ProfileResult:
            row = _call(self.md.fund_overview, code)

            def get(key: str) -> str | None:
                return given_text(row.get(key))

            not_disclosed = [
                label
                for key, label in (
                    ("管理费率", "management_fee"),
                    ("托管费率", "custody_fee"),
                    ("基金经理人", "fund_managers"),
                )
                if get(key) is None
            ]
            facts: list[Figure] = []
            asof = self.md.info.trade_date
            for key, name, unit in (
                ("资产规模", FactName.FUND_ASSET_SIZE_YUAN, "元"),
                ("份额规模", FactName.FUND_UNITS, "份"),
            ):
                parsed = parse_amount(get(key))
                if parsed is not None:
                    facts.append(
                        Figure(
                            name,
                            code,
                            parsed[0],
                            unit,
                            parsed[1] or asof,
                            "fund_overview_em",
                            f"{key}: {get(key)}",
                        )
                    )
            quote = "; ".join(f"{k}: {v}" for k, v in row.items() if given_text(v) is not None)
            passages = [
                PassageRef(
                    id="fund_overview_em",
                    kind="data",
                    title=f"AKShare fund_overview_em({code})",
                    source="AKShare",
                    quote=quote,
                )
            ]
            index = self.md.universe().get(code)
            return ProfileResult(
                etf=code,
                full_name=get("基金全称"),
                short_name=get("基金简称"),
                fund_type=get("基金类型"),
                manager=get("基金管理人"),
                custodian=get("基金托管人"),
                fund_managers=get("基金经理人"),
                inception=first_part(get("成立日期/规模")),
                benchmark=get("业绩比较基准"),
                tracked_index=get("跟踪标的"),
                index=index,
                management_fee=get("管理费率"),
                custody_fee=get("托管费率"),
                asset_size=get("资产规模"),
                units=get("份额规模"),
                not_disclosed=not_disclosed,
                facts=facts,
                passages=passages,
            )

        result: ProfileResult = self._memo(("profile", code), make)
        if with_documents:
            try:
                docs = self.search_documents(
                    "基金概况 基金管理人 托管人 费率 fund profile manager custodian fees", [code], k=2
                )
                result = result.model_copy(update={"passages": result.passages + docs.passages})
            except UpstreamError:
                pass
        return result

    def search_news(
        self,
        query: str,
        symbols: Sequence[str] | None = None,
        until: str | dt.datetime | None = None,
        k: int = 5,
    ) -> SearchResult:
        return self._search(query, "news", symbols, until, k)

    def prepare_searches(self, queries: Sequence[str]) -> None:
        """Several searches are coming (a move answer's news for each driver): the first of them that is not
        memoised embeds all their queries in one batch."""
        _PENDING_SEARCHES.set(tuple(queries))  # embedded at this answer's first search that is not memoised

    def search_documents(self, query: str, symbols: Sequence[str] | None = None, k: int = 4) -> SearchResult:
        return self._search(query, "document", symbols, None, k)

    def document_passages(
        self, query: str, symbols: Sequence[str] | None = None, k: int = 40, *, dense_query: str | None = None
    ) -> SearchResult:
        """Every retrieved passage (chunk) of the documents matching `query`, not just each document's best one,
        each with its section and position: what a whole-document summary (a methodology overview) needs.
        `dense_query` is the question alone when `query` adds section keywords for BM25 (see HybridSearcher.search)."""
        return self._search(query, "document", symbols, None, k, per_citation=None, dense_query=dense_query)

    def _search(
        self,
        query: str,
        kind: str,
        symbols: Sequence[str] | None,
        until: str | dt.datetime | None,
        k: int,
        per_citation: int | None = 1,
        dense_query: str | None = None,
    ) -> SearchResult:
        as_of = self.md.info.as_of
        limit = as_of
        if until:
            when = until if isinstance(until, dt.datetime) else parse_until(until, as_of)
            limit = min(when, as_of)
        codes = sorted({c for s in (symbols or ()) for c in self._codes(s)})
        k = max(1, min(int(k), 20 if per_citation == 1 else 60))
        key = ("search", kind, query, dense_query, tuple(codes), limit, k, per_citation)

        def make() -> SearchResult:
            searcher = self._searcher()
            pending = _PENDING_SEARCHES.get()
            try:
                if query in pending:
                    _PENDING_SEARCHES.set(())
                    searcher.prefetch(pending)
                hits = searcher.search(
                    query,
                    k=3 * k,
                    as_of=limit,
                    kind=kind,
                    symbols=codes or None,
                    trade_date=self.md.info.trade_date,
                    max_per_citation=per_citation,
                    dense_query=dense_query,
                )
            except MarketAssistantError:
                raise
            except Exception as exc:  # noqa: BLE001 - a store failure is an upstream failure
                raise UpstreamError("retrieval", "search", f"{type(exc).__name__}: {exc}") from exc
            passages: list[PassageRef] = []
            seen: set[str] = set()
            for h in hits:
                published = h.published_at
                if published is not None and published > limit:
                    continue  # defence in depth: the store filters already
                if is_quarantined(getattr(h, "metadata", {}) or {}, h.text):
                    continue  # an injection attempt is never evidence (the store's search leaves it out already)
                key_ = h.citation_id if per_citation == 1 else getattr(h, "chunk_id", h.citation_id)
                if key_ in seen:
                    continue
                seen.add(key_)
                passages.append(passage_from_hit(h))
                if len(passages) >= k:
                    break
            return SearchResult(query=query, until=limit, passages=passages)

        return self._memo(key, make)


__all__ = ["Searcher", "Toolbox", "_call"]
