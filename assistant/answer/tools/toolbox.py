"""`Toolbox`: the typed calls both answerers make, over the market layer and retrieval.

One code path: the offline answerer calls these methods directly; `adapters.build_tools` wraps the same methods
for the LLM agent. Every result's numbers are facts of the answer object and its passages carry citation ids.
Nothing published after the data's `as_of` is ever returned. A bad argument raises `NotFoundError` /
`InputError`, a data source that is down `UpstreamError`.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from assistant.analysis.figures import Figure
from assistant.answer.tools.passages import parse_until, passage_from_hit
from assistant.answer.tools.results import (
    ConstituentsResult,
    Contributor,
    FactRef,
    FlowsResult,
    Holding,
    IndustryContribution,
    MoveResult,
    PassageRef,
    ProfileResult,
    QuoteResult,
    SearchResult,
    UnitsSpan,
)
from assistant.caveats import report
from assistant.errors import InputError, MarketAssistantError, NoRowsError, NotFoundError, UpstreamError
from assistant.market.frames import first_part, given_text, parse_amount, text_or_none
from assistant.market.model import origin_label
from assistant.retrieval.safety import is_quarantined

if TYPE_CHECKING:
    from assistant.analysis.explain import MoveExplanation
    from assistant.market.data import MarketData
    from assistant.market.resolve import Lexicon

_T = TypeVar("_T")
_CODE = re.compile(r"^\s*(?:sh|sz|csi)?(\d{6})(?:\.(?:sh|sz|ss))?\s*$", re.IGNORECASE)


# ------------------------------------------------------------------------------------------ the toolbox


class Searcher(Protocol):
    """`assistant.retrieval.hybrid.HybridSearcher` (or anything with its `search`)."""

    def search(
        self,
        query: str,
        k: int = 5,
        as_of: dt.datetime | None = None,
        kind: Any = None,
        symbols: Iterable[str] | None = None,
        *,
        trade_date: dt.date | None = None,
    ) -> list[Any]: ...


@dataclass
class Toolbox:
    """What the tools need: market data, the lexicon, and a searcher (a factory is fine: opened lazily)."""

    md: MarketData
    lexicon: Lexicon
    searcher: Searcher | Callable[[], Searcher] | None = None
    _cache: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- basics --------------------------------------------------------------------------------------
    @property
    def info(self) -> Any:
        return self.md.info

    def _memo(self, key: tuple[Any, ...], make: Callable[[], _T]) -> _T:
        key = (self.md.info.as_of, *key)
        with self._lock:
            if key in self._cache:
                return self._cache[key]  # type: ignore[no-any-return]
        value = make()
        with self._lock:
            self._cache[key] = value
        return value

    def trading_days(self) -> list[dt.date]:
        return self._memo(("trading_days",), lambda: list(_call(self.md.trading_days)))

    def _searcher(self) -> Searcher:
        s = self.searcher
        if s is None:
            raise UpstreamError("retrieval", "search", "no document store is configured")
        if not hasattr(s, "search"):
            try:
                s = s()
            except Exception as exc:  # noqa: BLE001 - a store that cannot open is a source that is down
                raise UpstreamError("retrieval", "open store", str(exc)) from exc
            self.searcher = s
        return s  # type: ignore[return-value]

    # -- argument resolution -------------------------------------------------------------------------
    def resolve_etf(self, text: str) -> str:
        """An ETF code of the data's universe from a code, name or alias (an index maps to its ETF)."""
        universe = _call(self.md.universe)
        raw = (text or "").strip()
        if not raw:
            raise InputError("An ETF code is required, e.g. 560500.")
        m = _CODE.match(raw)
        code = m.group(1) if m else None
        if code is None:
            found = [e for e in self.lexicon.resolve(raw) if e.kind != "unknown"]
            code = found[0].code if found else None
        if code is not None and code in universe:
            return code
        if code is not None:
            tracking = [etf for etf, index in universe.items() if index == code]
            if tracking:
                return str(tracking[0])
        known = ", ".join(sorted(universe)) or "none"
        what = f"ETF {code}" if code else f"{raw!r}"
        raise NotFoundError(f"{what} is not an ETF in this data ({_label(self.md)}); known ETFs: {known}.")

    def resolve_index(self, text: str) -> tuple[str, str | None]:
        """(index code, ETF code or None) from an index or ETF code / name."""
        universe = _call(self.md.universe)
        raw = (text or "").strip()
        m = _CODE.match(raw)
        code = m.group(1) if m else None
        if code is None:
            found = [e for e in self.lexicon.resolve(raw) if e.kind != "unknown"]
            code = found[0].code if found else None
        if code in universe:
            return universe[code], code
        if code is not None and code in universe.values():
            return code, next(e for e, i in universe.items() if i == code)
        known = ", ".join(f"{e} (index {i})" for e, i in sorted(universe.items())) or "none"
        raise NotFoundError(
            f"{raw!r} is not an index or ETF in this data ({_label(self.md)}); known: {known}."
        )

    def resolve_day(self, text: str | dt.date | None) -> dt.date:
        """A trading day with data from an ISO date, a phrase (昨天, last Friday) or None (= trade date)."""
        trade_date = self.md.info.trade_date
        if text is None or (isinstance(text, str) and not text.strip()):
            return trade_date
        if isinstance(text, dt.date):
            day = text
        else:
            try:
                day = dt.date.fromisoformat(text.strip()[:10])
            except ValueError:
                from assistant.market.resolve import resolve_date

                resolved = resolve_date(text, trade_date, self.trading_days())
                if resolved.date is None:
                    raise NotFoundError(resolved.note or f"No trading day with data for {text!r}.") from None
                day = resolved.date
        if day > trade_date:
            raise NotFoundError(f"No data after {trade_date} in {_label(self.md)}; {day} cannot be used.")
        return day

    # -- tools ---------------------------------------------------------------------------------------
    def explanation(self, etf: str, date: str | dt.date | None = None, top_n: int = 5) -> MoveExplanation:
        """The raw MoveExplanation (cached: a snapshot never changes, a live source is keyed by as_of)."""
        from assistant.analysis.explain import explain_move

        code = self.resolve_etf(etf)
        day = self.resolve_day(date)
        top_n = max(1, min(int(top_n), 20))
        x: MoveExplanation = self._memo(
            ("explain", code, day, top_n), lambda: _call(explain_move, self.md, code, day, top_n=top_n)
        )
        report(*x.warnings)  # reaches the answer whatever the answerer does with it (assistant/caveats.py)
        return x

    def explain_move(
        self, etf: str, date: str | dt.date | None = None, top_n: int = 5, detail: str = "summary"
    ) -> MoveResult:
        """`detail` only changes what a model is shown (see answer/move_summary.py); the result is the same."""
        x = self.explanation(etf, date, top_n)
        a = x.attribution
        shown = {c.code for c in (*a.top_contributors, *a.bottom_contributors, *a.drivers)}
        facts: list[FactRef] = []
        for fig in x.figures():
            if fig.name.startswith("constituent_") and fig.subject not in shown:
                continue  # 100 constituents x 4 figures would drown the relevant ones
            facts.append(FactRef.of(fig))
        facts.append(
            FactRef.of(
                Figure(
                    "top_n_count",
                    x.index,
                    float(a.top_n),
                    "count",
                    x.trade_date,
                    "index_stock_cons_weight_csindex",
                    "number of contributors named",
                )
            )
        )
        flows = x.flows
        period = flows.period if flows else None
        return MoveResult(
            etf=x.etf,
            etf_name=self._etf_name(x.etf),
            index=x.index,
            index_name=x.index_name,
            trade_date=x.trade_date,
            prev_date=x.prev_date,
            weights_date=x.weights_date,
            etf_return_pct=x.etf_return_pct,
            index_return_pct=x.index_return_pct,
            tracking_difference_pp=x.tracking_difference_pp,
            top_n=a.top_n,
            top_contributors=[_contributor(c) for c in a.top_contributors],
            bottom_contributors=[_contributor(c) for c in a.bottom_contributors],
            drivers=[_contributor(c) for c in a.drivers],
            industries=[
                IndustryContribution(
                    industry=i.industry,
                    contribution_pp=i.contribution_pp,
                    weight_pct=i.weight_drifted_pct,
                    count=i.count,
                )
                for i in x.industries
            ],
            top_n_share_pct=a.top_n_share_pct,
            residual_pp=a.residual_pp,
            suspended=list(a.suspended),
            premium_pct=x.premium.premium_pct if x.premium else None,
            units_change_1d=flows.day.change if flows and flows.day else None,
            units_change=period.change if period else None,
            units_change_pct=period.change_pct if period else None,
            period_start=period.start_date if period else None,
            warnings=list(x.warnings),
            notes=list(x.notes),
            facts=facts,
        )

    def etf_quote(self, etf: str, date: str | dt.date | None = None) -> QuoteResult:
        from assistant.analysis.attribution import daily_move
        from assistant.analysis.premium import compute_premium

        code = self.resolve_etf(etf)
        day = self.resolve_day(date)

        def make() -> QuoteResult:
            bars = _call(self.md.etf_bars, code, day - dt.timedelta(days=40), day)
            move = _call(
                daily_move, bars, day, subject=code, source=str(bars.attrs.get("source", "fund_etf_hist_em"))
            )
            facts = [FactRef.of(f) for f in move.figures("etf")]
            src = str(bars.attrs.get("source", "fund_etf_hist_em"))
            row = bars[bars["date"] == day].iloc[0]
            volume = float(row["volume"]) * 100.0 if row["volume"] == row["volume"] else None
            amount = float(row["amount"]) if row["amount"] == row["amount"] else None
            iopv = premium = turnover = None
            name = self._etf_name(code)
            notes: list[str] = []
            try:
                spot = self.md.etf_spot(code)
            except NotFoundError:
                spot = None
            if spot is not None and spot.data_date == day:
                p = compute_premium(code, spot.price, spot.iopv, spot.discount_rate_pct, day)
                facts += [FactRef.of(f) for f in p.figures() if f.name != "etf_price"]
                iopv, premium = p.iopv, p.premium_pct
                turnover = spot.turnover_rate_pct
                if turnover is not None:
                    facts.append(
                        FactRef.of(
                            Figure(
                                "etf_turnover_rate_pct",
                                code,
                                turnover,
                                "%",
                                day,
                                "fund_etf_spot_em",
                                "换手率",
                            )
                        )
                    )
            else:
                notes.append(f"No fund_etf_spot_em row dated {day}: IOPV and premium are not available.")
            if volume is not None:
                facts.append(
                    FactRef.of(Figure("etf_volume_units", code, volume, "份", day, src, "成交量 (手 × 100)"))
                )
            if amount is not None:
                facts.append(FactRef.of(Figure("etf_amount_yuan", code, amount, "元", day, src, "成交额")))
            return QuoteResult(
                etf=code,
                name=name,
                date=day,
                price=move.close,
                prev_close=move.prev_close,
                return_pct=move.return_pct,
                iopv=iopv,
                premium_pct=premium,
                volume_units=volume,
                amount_yuan=amount,
                turnover_rate_pct=turnover,
                facts=facts,
                notes=notes,
            )

        return self._memo(("quote", code, day), make)

    def index_constituents(
        self, index_or_etf: str, top_n: int = 10, include: Sequence[str] = ()
    ) -> ConstituentsResult:
        """Top N weights, plus the weights of any `include` codes wherever they rank (for "and X?" questions)."""
        index, etf = self.resolve_index(index_or_etf)
        top_n = max(1, min(int(top_n), 50))
        wanted = tuple(sorted(set(include)))

        def make() -> ConstituentsResult:
            from assistant.analysis.attribution import to_date

            w = _call(self.md.weights, index)
            wdate = to_date(w["date"].iloc[0])
            src = "index_stock_cons_weight_csindex"
            top = w.head(top_n)

            def holding(r: Any) -> Holding:
                return Holding(
                    code=str(r.code),
                    name=str(r.name),
                    name_en=text_or_none(r.name_en),
                    weight_pct=float(r.weight),
                )

            holdings = [holding(r) for r in top.itertuples()]
            named = [holding(r) for r in w.iloc[top_n:].itertuples() if str(r.code) in wanted]
            total = float(sum(h.weight_pct for h in holdings))
            n = len(holdings)
            facts = [
                FactRef.of(Figure("constituent_weight_file_pct", h.code, h.weight_pct, "%", wdate, src))
                for h in holdings + named
            ]
            facts += [
                FactRef.of(
                    Figure("top_n_weight_pct", index, total, "%", wdate, src, f"sum of the top {n} weights")
                ),
                FactRef.of(Figure("top_n_count", index, float(n), "count", wdate, src)),
                FactRef.of(Figure("constituents_count", index, float(len(w)), "count", wdate, src)),
            ]
            return ConstituentsResult(
                index=index,
                index_name=text_or_none(w["index_name"].iloc[0]),
                index_name_en=text_or_none(w["index_name_en"].iloc[0]),
                etf=etf,
                weights_date=wdate,
                count=len(w),
                top_n=n,
                holdings=holdings,
                top_n_weight_pct=total,
                facts=facts,
                named=named,
            )

        return self._memo(("constituents", index, top_n, wanted), make)

    def etf_flows(
        self,
        etf: str,
        start: str | dt.date | None = None,
        end: str | dt.date | None = None,
        period_months: int = 1,
    ) -> FlowsResult:
        from assistant.analysis.flows import compute_flows, custom_period

        code = self.resolve_etf(etf)
        end_day = self.resolve_day(end)
        start_day = self.resolve_day(start) if start else None
        if start_day is not None and start_day >= end_day:
            raise InputError(f"The flows period must start before it ends ({start_day} ≥ {end_day}).")

        def make() -> FlowsResult:
            units = _call(self.md.etf_units, code, None, end_day)
            first = (start_day or end_day) - dt.timedelta(days=70)
            bars = _call(self.md.etf_bars, code, first, end_day)
            days = [d for d in self.trading_days() if d < end_day]
            flows = _call(
                compute_flows,
                units,
                bars,
                code,
                end_day,
                prev_date=days[-1] if days else None,
                period_months=period_months,
                units_source=units.attrs.get("source"),
                bars_source=str(bars.attrs.get("source", "fund_etf_hist_em")),
            )
            notes = list(flows.notes)
            period = flows.period
            figures = flows.figures()
            suffix = ""
            if start_day is not None:
                custom = custom_period(flows, units, bars, start_day, notes)
                period, figures, suffix = custom.change, custom.figures, custom.suffix
            facts = _dedupe([FactRef.of(f) for f in figures])
            return FlowsResult(
                etf=code,
                units_date=flows.units_date,
                units=flows.units,
                period_suffix=suffix,
                scale_yuan=period.scale_end_yuan if period else None,
                day=_span(flows.day),
                period=_span(period),
                facts=facts,
                notes=notes,
            )

        return self._memo(("flows", code, start_day, end_day, period_months), make)

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
            facts: list[FactRef] = []
            asof = self.md.info.trade_date
            for key, name, unit in (
                ("资产规模", "fund_asset_size_yuan", "元"),
                ("份额规模", "fund_units", "份"),
            ):
                parsed = parse_amount(get(key))
                if parsed is not None:
                    facts.append(
                        FactRef.of(
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

    def search_documents(self, query: str, symbols: Sequence[str] | None = None, k: int = 4) -> SearchResult:
        return self._search(query, "document", symbols, None, k)

    def document_passages(
        self, query: str, symbols: Sequence[str] | None = None, k: int = 40
    ) -> SearchResult:
        """Every retrieved passage (chunk) of the documents matching `query`, not just each document's best one,
        each with its section and position: what a whole-document summary (a methodology overview) needs."""
        return self._search(query, "document", symbols, None, k, per_citation=None)

    def _search(
        self,
        query: str,
        kind: str,
        symbols: Sequence[str] | None,
        until: str | dt.datetime | None,
        k: int,
        per_citation: int | None = 1,
    ) -> SearchResult:
        as_of = self.md.info.as_of
        limit = as_of
        if until:
            when = until if isinstance(until, dt.datetime) else parse_until(until, as_of)
            limit = min(when, as_of)
        codes = sorted({c for s in (symbols or ()) for c in self._codes(s)})
        k = max(1, min(int(k), 20 if per_citation == 1 else 60))
        key = ("search", kind, query, tuple(codes), limit, k, per_citation)

        def make() -> SearchResult:
            searcher = self._searcher()
            extra: dict[str, Any] = {} if per_citation == 1 else {"max_per_citation": per_citation}
            try:
                try:
                    hits = searcher.search(
                        query,
                        k=3 * k,
                        as_of=limit,
                        kind=kind,
                        symbols=codes or None,
                        trade_date=self.md.info.trade_date,
                        **extra,
                    )
                except TypeError:
                    if not extra:
                        raise
                    # a searcher without per-citation control: each document's best passage only
                    hits = searcher.search(
                        query,
                        k=3 * k,
                        as_of=limit,
                        kind=kind,
                        symbols=codes or None,
                        trade_date=self.md.info.trade_date,
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

    # -- helpers -------------------------------------------------------------------------------------
    def _codes(self, text: str) -> list[str]:
        m = _CODE.match(text or "")
        if m:
            return [m.group(1)]
        return [e.code for e in self.lexicon.resolve(text or "") if e.kind != "unknown"]

    def _etf_name(self, code: str) -> str | None:
        known = self.lexicon.lookup(code)
        return known.name if known is not None else None


# ------------------------------------------------------------------------------------------ helpers


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a market/analysis call; anything that is not ours and not a bad argument is an upstream failure."""
    try:
        return fn(*args, **kwargs)
    except (MarketAssistantError, ValueError):
        raise
    except KeyError as exc:  # pandas on an empty selection: nothing recorded for these arguments
        raise NoRowsError(
            f"no data for {getattr(fn, '__name__', 'call')} with these arguments ({exc})"
        ) from exc
    except Exception as exc:  # noqa: BLE001
        raise UpstreamError(
            "market data", getattr(fn, "__name__", "call"), f"{type(exc).__name__}: {exc}"
        ) from exc


def _label(md: MarketData) -> str:
    return f"{origin_label(md.info.origin)} as of {md.info.as_of.isoformat()}"


def _contributor(c: Any) -> Contributor:
    return Contributor(
        code=c.code,
        name=c.name,
        industry=None if c.industry == "UNCLASSIFIED" else c.industry,
        return_pct=c.return_pct,
        weight_pct=c.weight_drifted_pct,
        contribution_pp=c.contribution_pp,
        suspended=c.suspended,
    )


def _span(change: Any) -> UnitsSpan | None:
    if change is None:
        return None
    return UnitsSpan(
        start=change.start_date,
        end=change.end_date,
        units_start=change.units_start,
        units_end=change.units_end,
        change=change.change,
        change_pct=change.change_pct,
        scale_start_yuan=change.scale_start_yuan,
        scale_end_yuan=change.scale_end_yuan,
        scale_change_yuan=change.scale_change_yuan,
    )


def _dedupe(facts: list[FactRef]) -> list[FactRef]:
    return list({f.id: f for f in facts}.values())
