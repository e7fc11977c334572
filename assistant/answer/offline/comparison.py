"""'Which of A and B ...?': one measure for every side (return, tracking difference, premium, flows; ETFs or
indices), the winner named first with both values, then one line per side when there are more than two.

Why a measure per comparison: "which had the larger outflow" and "哪个跟踪误差更小" ask different figures, and
an answer that shows one side's quote, or one ETF's flows, does not answer either."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from assistant.analysis.attribution import daily_move
from assistant.analysis.figures import FactName, Figure
from assistant.analysis.returns import period_return
from assistant.errors import MarketAssistantError, NotFoundError

from .context import AskContext


@dataclass(frozen=True)
class Side:
    """One compared subject: its label, the compared figure and, for flows, the percentage change."""

    code: str
    label: str
    value: Figure
    pct: Figure | None = None
    start: Figure | None = None  # a fact dated on the period's first day (prints and backs it)

    @property
    def number(self) -> float:
        return float(self.value.value)


def answer(ctx: AskContext) -> str:
    measure = ctx.ask.compare or "return"
    if measure == "weights":
        return _weights(ctx)
    if measure in ("contribution", "stock_return"):
        return _stocks(ctx, measure)
    index_mode = _index_mode(ctx)
    codes = index_mode or list(dict.fromkeys(list(ctx.intent.etfs) + list(ctx.intent.unknown)))
    universe = ctx.toolbox.md.universe()
    known = set(universe.values()) if index_mode else set(universe)
    missing = [c for c in codes if c not in known]
    sides: list[Side] = []
    for code in (c for c in codes if c in known):
        try:
            sides.append(_INDEX[measure](ctx, code) if index_mode else _ETF[measure](ctx, code))
        except MarketAssistantError:
            missing.append(code)
    if len(sides) == 1 and missing:  # nothing to compare with: say so first, then what there is
        return _one_side(ctx, measure, sides[0], missing)
    if len(sides) < 2:
        raise NotFoundError(
            ctx.t(
                f"无法比较：本数据没有{'、'.join(missing) or '第二个标的'}的相关数据"
                + (f"，只有{sides[0].label}" if sides else "")
                + "。",
                f"No comparison possible: this data has nothing on {', '.join(missing) or 'a second subject'}"
                + (f"; it covers only {sides[0].label}" if sides else "")
                + ".",
            )
        )
    direction = ctx.ask.direction
    ranked = sorted(sides, key=lambda s: _key(measure, direction, s))
    winner, other = ranked[0], ranked[1]
    diff = Figure(
        FactName.COMPARISON_DIFFERENCE,
        f"{winner.code}-{other.code}",
        abs(winner.number - other.number),
        {"return": "pp", "tracking": "pp", "premium": "pp", "scale": "元"}.get(measure, "份"),
        winner.value.as_of,
        winner.value.source,
    )
    sources = {
        "return": "fund_etf_hist_em",
        "tracking": "fund_etf_hist_em",
        "premium": "fund_etf_spot_em",
        "scale": "fund_etf_hist_em",
    }
    src = "stock_zh_index_daily_em" if index_mode else sources.get(measure, _flows_source(ctx, winner))
    text = ctx.render(
        "comparison",
        measure=measure,
        direction=direction,
        index_mode=bool(index_mode),
        w=winner,
        o=other,
        rest=ranked[2:] if len(ranked) > 2 else [],
        all=ranked,
        diff=diff,
        none_qualifies=measure == "flows" and _none_qualifies(direction, winner),
        period=ctx.ask.period is not None,
        day=winner.value.as_of,
        cite_data=ctx.ledger.add_data(src),
    )
    if missing:
        text += "\n\n" + ctx.t(
            f"本数据没有{'、'.join(missing)}的相关数据，未纳入比较。",
            f"This data has nothing on {', '.join(missing)}, so it is left out.",
        )
    return text


def _one_side(ctx: AskContext, measure: str, side: Side, missing: list[str]) -> str:
    fmt = ctx.fmt
    value = (
        fmt.units(side.value)
        if measure == "flows"
        else (fmt.pp if measure == "tracking" else fmt.pct)(side.value)
    )
    if measure == "flows":
        value = (
            ctx.t(
                "份额" + ("增加" if side.number >= 0 else "减少"),
                "units " + ("rose" if side.number >= 0 else "fell") + " by ",
            )
            + value
        )
    words = {
        "return": ("涨跌幅", "return"),
        "tracking": ("跟踪偏差", "tracking difference"),
        "premium": ("溢价率", "premium to IOPV"),
        "flows": ("份额变化", "units change"),
    }[measure]
    cite = ctx.ledger.add_data(side.value.source.split("+")[0] or "fund_etf_hist_em")
    return ctx.t(
        f"**无法比较**：本数据没有{'、'.join(missing)}的相关数据，只能给出{side.label}的{words[0]}：{value}{cite}。",
        f"**No comparison possible**: this data has nothing on {', '.join(missing)}; only the {words[1]} of "
        f"{side.label} can be shown: {value}{cite}.",
    )


def _index_mode(ctx: AskContext) -> list[str]:
    """The indices compared when the question names two or more indices and no ETF."""
    named = [e for e in ctx.intent.entities if e.kind in ("etf", "index")]
    if any(e.kind == "etf" for e in named):
        return []
    indices = list(dict.fromkeys(e.code for e in named))
    return indices if len(indices) >= 2 else []


def _key(measure: str, direction: str | None, side: Side) -> float:
    """Sort key: the winner first."""
    if measure == "tracking":
        return abs(side.number)  # the closer tracker
    if measure == "flows" and direction == "out":
        return side.number  # the most negative change
    if (measure == "premium" and direction == "discount") or direction == "down":
        return side.number
    return -side.number


def _none_qualifies(direction: str | None, winner: Side) -> bool:
    """'Which had the larger outflow?' when no side had one (or the reverse)."""
    return (direction == "out" and winner.number >= 0) or (direction != "out" and winner.number <= 0)


def _flows_source(ctx: AskContext, side: Side) -> str:
    return side.value.source.split("+")[0] if side.value.source else "fund_etf_scale_sse"


def _etf_return(ctx: AskContext, code: str) -> Side:
    span = ctx.ask.period
    if span is not None:
        md = ctx.toolbox.md
        res = period_return(
            md.etf_bars(code, None, span.end), span.start, span.end, subject=code, source="fund_etf_hist_em"
        )
        figures = res.figures("etf")
        return Side(code, ctx.label(code), figures[0], start=figures[1])
    quote = ctx.toolbox.etf_quote(code, ctx.day)
    fact = quote.fact(FactName.ETF_RETURN_PCT, code)
    if fact is None:
        raise NotFoundError(f"no return for {code}")
    return Side(code, ctx.label(code), fact)


def _index_figure(ctx: AskContext, index: str, day: dt.date) -> Figure:
    md = ctx.toolbox.md
    move = daily_move(
        md.index_bars(index, day - dt.timedelta(days=40), day),
        day,
        subject=index,
        source="stock_zh_index_daily_em",
    )
    return next(f for f in move.figures("index") if f.name == FactName.INDEX_RETURN_PCT)


def _index_return(ctx: AskContext, code: str) -> Side:
    span = ctx.ask.period
    label = ctx.label(code, kind="index")
    if span is not None:
        md = ctx.toolbox.md
        res = period_return(
            md.index_bars(code, None, span.end),
            span.start,
            span.end,
            subject=code,
            source="stock_zh_index_daily_em",
        )
        figures = res.figures("index")
        return Side(code, label, figures[0], start=figures[1])
    return Side(code, label, _index_figure(ctx, code, ctx.day))


def _etf_tracking(ctx: AskContext, code: str) -> Side:
    md = ctx.toolbox.md
    index = md.index_of(code)
    span = ctx.ask.period
    if span is not None:
        etf = period_return(
            md.etf_bars(code, None, span.end), span.start, span.end, subject=code, source="fund_etf_hist_em"
        )
        idx = period_return(
            md.index_bars(index, None, span.end),
            span.start,
            span.end,
            subject=index,
            source="stock_zh_index_daily_em",
        )
        td = Figure(
            FactName.TRACKING_DIFFERENCE_PERIOD_PP,
            code,
            etf.return_pct - idx.return_pct,
            "pp",
            etf.end,
            "fund_etf_hist_em+stock_zh_index_daily_em",
            f"{etf.start.isoformat()}..{etf.end.isoformat()}",
        )
        return Side(code, ctx.label(code), td, start=etf.figures("etf")[1])
    quote = ctx.toolbox.etf_quote(code, ctx.day)
    index_ret = _index_figure(ctx, index, quote.date)
    td = Figure(
        FactName.TRACKING_DIFFERENCE_PP,
        code,
        quote.return_pct - float(index_ret.value),
        "pp",
        quote.date,
        "fund_etf_hist_em+stock_zh_index_daily_em",
        "ETF return minus index return",
    )
    return Side(code, ctx.label(code), td)


def _etf_premium(ctx: AskContext, code: str) -> Side:
    quote = ctx.toolbox.etf_quote(code, ctx.day)
    fact = quote.fact(FactName.ETF_PREMIUM_PCT, code)
    if fact is None:
        raise NotFoundError(f"no premium for {code} on {ctx.day}")
    return Side(code, ctx.label(code), fact)


def _etf_flows(ctx: AskContext, code: str) -> Side:
    span = ctx.ask.period
    res = ctx.toolbox.etf_flows(code, span.start if span else None, span.end if span else ctx.day)
    if res.period is None:
        raise NotFoundError(f"no units change for {code}")
    suffix = res.period_suffix
    change = res.fact(FactName.units_change(suffix), code)
    if change is None:
        raise NotFoundError(f"no units change for {code}")
    pct = res.fact(FactName.units_change_pct(suffix), code)
    start = next((f for f in res.facts if f.name == FactName.ETF_UNITS and f.as_of == res.period.start), None)
    return Side(code, ctx.label(code), change, pct, start)


def _etf_scale(ctx: AskContext, code: str) -> Side:
    res = ctx.toolbox.etf_flows(code, None, ctx.day)
    scale = res.fact(FactName.ETF_SCALE_YUAN, code)
    if scale is None:
        raise NotFoundError(f"no scale for {code}")
    return Side(code, ctx.label(code), scale)


def _weights(ctx: AskContext) -> str:
    """'厦门钨业和西部矿业谁权重大': each stock's weight in the index's weight file, the larger first."""
    etf = ctx.etf()
    index = ctx.toolbox.md.index_of(etf)
    stocks = list(ctx.intent.stocks)
    res = ctx.toolbox.index_constituents(index, 1, include=stocks)
    sides = [
        Side(code, ctx.label(code, kind="stock"), fact)
        for code in stocks
        if (fact := res.fact(FactName.CONSTITUENT_WEIGHT_FILE_PCT, code)) is not None
    ]
    missing = [ctx.label(code, kind="stock") for code in stocks if code not in {s.code for s in sides}]
    if len(sides) < 2:
        raise NotFoundError(
            ctx.t(
                f"无法比较：{'、'.join(missing)}不在{ctx.label(index, kind='index')}的权重文件中。",
                f"No comparison possible: {', '.join(missing)} is not in the weight file of "
                f"{ctx.label(index, kind='index')}.",
            )
        )
    ranked = sorted(sides, key=lambda s: -s.number)
    return ctx.render(
        "comparison",
        measure="weights",
        direction=None,
        index_mode=False,
        w=ranked[0],
        o=ranked[1],
        rest=ranked[2:],
        all=ranked,
        diff=None,
        none_qualifies=False,
        period=False,
        day=ctx.day,
        index_label=ctx.label(index, kind="index"),
        cite_data=ctx.ledger.add_data("index_stock_cons_weight_csindex"),
    )


def _stocks(ctx: AskContext, measure: str) -> str:
    """'宁德时代和比亚迪谁拖累更多': each stock's contribution (or return) on the day, the winner first."""
    etf = ctx.etf()
    explanation = ctx.toolbox.explanation(etf, ctx.day, 5)
    figs = {(f.name, f.subject): f for f in explanation.figures()}
    name = (
        FactName.CONSTITUENT_CONTRIBUTION_PP if measure == "contribution" else FactName.CONSTITUENT_RETURN_PCT
    )
    stocks = list(ctx.intent.stocks)
    sides = [Side(c, ctx.label(c, kind="stock"), figs[(name, c)]) for c in stocks if (name, c) in figs]
    if len(sides) < 2:
        missing = [ctx.label(c, kind="stock") for c in stocks if (name, c) not in figs]
        raise NotFoundError(
            ctx.t(
                f"无法比较：{'、'.join(missing)}不是该指数的成分股，或缺少当天的行情。",
                f"No comparison possible: {', '.join(missing)} is not a constituent of the index or has no "
                "price that day.",
            )
        )
    drag = ctx.ask.direction in ("drag", "down")
    ranked = sorted(sides, key=lambda s: s.number if drag else -s.number)
    return ctx.render(
        "comparison",
        measure="return" if measure == "stock_return" else "contribution",
        direction=ctx.ask.direction,
        index_mode=False,
        w=ranked[0],
        o=ranked[1],
        rest=ranked[2:],
        all=ranked,
        diff=Figure(
            FactName.COMPARISON_DIFFERENCE,
            f"{ranked[0].code}-{ranked[1].code}",
            abs(ranked[0].number - ranked[1].number),
            "pp",
            ranked[0].value.as_of,
            ranked[0].value.source,
        ),
        none_qualifies=False,
        period=False,
        day=ranked[0].value.as_of,
        index_label=ctx.label(explanation.index, kind="index"),
        cite_data=ctx.ledger.add_data("index_stock_cons_weight_csindex")
        + ctx.ledger.add_data("stock_zh_a_hist"),
    )


_ETF: dict[str, Any] = {
    "return": _etf_return,
    "tracking": _etf_tracking,
    "premium": _etf_premium,
    "flows": _etf_flows,
    "scale": _etf_scale,
}
# Indices have returns only: every other measure of an index comparison is its return.
_INDEX: dict[str, Any] = dict.fromkeys(_ETF, _index_return)
