"""Focused answers about returns: how the ETF did on a day (the headline only, no move dump), what its index
did, by how much it beat or lagged the index, and its return over a period (month/week/year to date, the last
N trading days, a range). The first sentence states the figure asked for."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from assistant.analysis.attribution import daily_move
from assistant.analysis.figures import FactName, Figure
from assistant.analysis.returns import period_return

from .context import AskContext


def day_return(ctx: AskContext) -> str:
    """'How did it do yesterday?': the ETF's return, its index's and the tracking difference, in one line."""
    return _day(ctx, "day")


def index_return(ctx: AskContext) -> str:
    """'What did the underlying index do?': the index's return first, then the ETF's."""
    return _day(ctx, "index")


def tracking(ctx: AskContext) -> str:
    """'Did it beat its index, by how much?': on the day asked, or over the period asked."""
    return _period(ctx, tracking=True) if ctx.ask.period is not None else _day(ctx, "tracking")


def period(ctx: AskContext) -> str:
    """'How much is it up this month?': the return over the period, the index's over the same period."""
    return _period(ctx, tracking=False)


def _day(ctx: AskContext, kind: str) -> str:
    """From the day's closes only (no attribution): a day before the weights file still has its returns."""
    etf = ctx.etf()
    md = ctx.toolbox.md
    quote = ctx.toolbox.etf_quote(etf, ctx.day)
    index = md.index_of(etf)
    index_move = daily_move(
        md.index_bars(index, quote.date - dt.timedelta(days=40), quote.date),
        quote.date,
        subject=index,
        source="stock_zh_index_daily_em",
    )
    index_ret = next(f for f in index_move.figures("index") if f.name == FactName.INDEX_RETURN_PCT)
    etf_ret = quote.fact(FactName.ETF_RETURN_PCT, etf)
    td = Figure(
        FactName.TRACKING_DIFFERENCE_PP,
        etf,
        quote.return_pct - index_move.return_pct,
        "pp",
        quote.date,
        "fund_etf_hist_em+stock_zh_index_daily_em",
        "ETF return minus index return",
    )
    intent = ctx.intent
    up = quote.return_pct >= 0
    cite = ctx.ledger.add_data("fund_etf_hist_em") + ctx.ledger.add_data("stock_zh_index_daily_em")
    return ctx.render(
        "returns",
        kind=kind,
        day=quote.date,
        etf_label=ctx.label(etf),
        index_label=ctx.label(index, kind="index"),
        etf_ret=etf_ret,
        index_ret=index_ret,
        td=td,
        td_up=td.value >= 0,
        up=up,
        index_up=index_move.return_pct >= 0,
        cite_data=cite,
        correction=intent.premise is not None and (intent.premise == "up") != up and quote.return_pct != 0,
        premise=intent.premise,
        when=None,
    )


def _period(ctx: AskContext, *, tracking: bool) -> str:
    etf = ctx.etf()
    span = ctx.ask.period
    assert span is not None
    md = ctx.toolbox.md
    index = md.index_of(etf)
    etf_res = period_return(
        md.etf_bars(etf, None, span.end), span.start, span.end, subject=etf, source="fund_etf_hist_em"
    )
    figures: dict[str, Any] = {"etf": etf_res.figures("etf")}
    index_res = None
    try:
        index_res = period_return(
            md.index_bars(index, None, span.end),
            span.start,
            span.end,
            subject=index,
            source="stock_zh_index_daily_em",
        )
        figures["index"] = index_res.figures("index")
    except Exception:  # noqa: BLE001 - the index's side is optional: the ETF's return is still the answer
        index_res = None
    diff = None
    if index_res is not None:
        diff = Figure(
            FactName.TRACKING_DIFFERENCE_PERIOD_PP,
            etf,
            etf_res.return_pct - index_res.return_pct,
            "pp",
            etf_res.end,
            "fund_etf_hist_em+stock_zh_index_daily_em",
            f"{etf_res.start.isoformat()}..{etf_res.end.isoformat()}",
        )
    cite = ctx.ledger.add_data("fund_etf_hist_em") + (
        ctx.ledger.add_data("stock_zh_index_daily_em") if index_res is not None else ""
    )
    etf_ret, start_close, end_close = figures["etf"]
    index_ret = figures["index"][0] if index_res is not None else None
    return ctx.render(
        "returns",
        # The return asked first ("这周表现咋样，跑赢指数没？"): said first, then whether it beat the index.
        kind="tracking_period" if tracking and diff is not None and not ctx.ask.with_return else "period",
        then_tracking=tracking and diff is not None,
        etf_label=ctx.label(etf),
        index_label=ctx.label(index, kind="index"),
        etf_ret=etf_ret,
        start_close=start_close,
        end_close=end_close,
        index_ret=index_ret,
        td=diff,
        td_up=bool(diff and diff.value >= 0),
        up=etf_res.return_pct >= 0,
        index_up=bool(index_res and index_res.return_pct >= 0),
        cite_data=cite,
        when=_phrase(span.phrase),
        correction=False,
        premise=None,
        day=etf_res.end,
    )


def _phrase(phrase: str | None) -> str:
    """The user's own words for the period ('本月以来', 'month to date'), unless they state a number (which the
    grounding check would read as a claim): the dates printed next to it say the same."""
    return phrase.strip() if phrase and not re.search(r"\d", phrase) else ""
