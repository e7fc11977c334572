"""The numeric tools: a move explained, a quote, an index's constituents, an ETF's flows -- each a typed result
whose numbers are facts with ids, computed by `assistant.analysis` over the market data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from assistant.analysis.figures import FactName, Figure
from assistant.analysis.flows import units_jump_warning
from assistant.analysis.premium import implausible_premium
from assistant.answer.tools.core import ToolboxCore, _call
from assistant.answer.tools.results import (
    ConstituentsResult,
    Contributor,
    FlowsResult,
    Holding,
    IndustryContribution,
    MoveResult,
    QuoteResult,
    UnitsSpan,
)
from assistant.caveats import report
from assistant.errors import InputError, NotFoundError
from assistant.market.frames import text_or_none

if TYPE_CHECKING:
    from assistant.analysis.explain import MoveExplanation


class MarketTools(ToolboxCore):
    """The toolbox's market-data tools (see `Toolbox`)."""

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
        facts: list[Figure] = []
        for fig in x.figures():
            if FactName.about(fig.name) == "constituent" and fig.subject not in shown:
                continue  # 100 constituents x 4 figures would drown the relevant ones
            facts.append(fig)
        facts.append(
            Figure(
                FactName.TOP_N_COUNT,
                x.index,
                float(a.top_n),
                "count",
                x.trade_date,
                "index_stock_cons_weight_csindex",
                "number of contributors named",
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
        from assistant.analysis.daily_move import daily_move
        from assistant.analysis.premium import compute_premium

        code = self.resolve_etf(etf)
        day = self.resolve_day(date)

        def make() -> QuoteResult:
            bars = _call(self.md.etf_bars, code, day - dt.timedelta(days=40), day)
            move = _call(
                daily_move, bars, day, subject=code, source=str(bars.attrs.get("source", "fund_etf_hist_em"))
            )
            facts = move.figures("etf")
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
                facts += [f for f in p.figures() if f.name != FactName.ETF_PRICE]
                iopv, premium = p.iopv, p.premium_pct
                turnover = spot.turnover_rate_pct
                if turnover is not None:
                    facts.append(
                        Figure(
                            FactName.ETF_TURNOVER_RATE_PCT,
                            code,
                            turnover,
                            "%",
                            day,
                            "fund_etf_spot_em",
                            "换手率",
                        )
                    )
            else:
                notes.append(f"No fund_etf_spot_em row dated {day}: IOPV and premium are not available.")
            if volume is not None:
                facts.append(
                    Figure(FactName.ETF_VOLUME_UNITS, code, volume, "份", day, src, "成交量 (手 × 100)")
                )
            if amount is not None:
                facts.append(Figure(FactName.ETF_AMOUNT_YUAN, code, amount, "元", day, src, "成交额"))
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

        result: QuoteResult = self._memo(("quote", code, day), make)
        report(
            *filter(None, [implausible_premium(code, day, result.premium_pct)])
        )  # after the memo: every answer
        return result

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
                Figure(FactName.CONSTITUENT_WEIGHT_FILE_PCT, h.code, h.weight_pct, "%", wdate, src)
                for h in holdings + named
            ]
            facts += [
                Figure(
                    FactName.TOP_N_WEIGHT_PCT, index, total, "%", wdate, src, f"sum of the top {n} weights"
                ),
                Figure(FactName.TOP_N_COUNT, index, float(n), "count", wdate, src),
                Figure(FactName.CONSTITUENTS_COUNT, index, float(len(w)), "count", wdate, src),
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
            facts = _dedupe(figures)
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

        flows: FlowsResult = self._memo(("flows", code, start_day, end_day, period_months), make)
        spans = [s for s in (flows.day, flows.period) if s is not None]
        report(
            *filter(
                None, (units_jump_warning(code, s.start, s.units_start, s.end, s.units_end) for s in spans)
            )
        )
        return flows


# ------------------------------------------------------------------------------------------ helpers


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


def _dedupe(facts: list[Figure]) -> list[Figure]:
    return list({f.id: f for f in facts}.values())
