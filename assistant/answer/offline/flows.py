"""'How many units were created or redeemed?': units outstanding, the day's and the period's change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from assistant.analysis.figures import FactName, Figure

from .context import AskContext


def answer(ctx: AskContext) -> str:
    intent = ctx.intent
    etf = ctx.etf()
    start = intent.period.start if intent.period else None
    end = intent.period.end if intent.period else intent.date
    res = ctx.toolbox.etf_flows(etf, start, end)
    fact = res.fact

    def units_on(day: dt.date) -> Figure | None:
        return next((f for f in res.facts if f.name == FactName.ETF_UNITS and f.as_of == day), None)

    values: dict[str, Any] = {"units": units_on(res.units_date), "scale": fact(FactName.ETF_SCALE_YUAN, etf)}
    suffix = res.period_suffix
    start_units = units_on(res.period.start) if res.period else None
    if res.period and start_units is not None:
        scale = fact(FactName.scale_change_yuan(suffix), etf)
        values.update(
            start=start_units,
            end=res.period.end,
            period=fact(FactName.units_change(suffix), etf),
            period_up=res.period.change >= 0,
            period_pct=fact(FactName.units_change_pct(suffix), etf),
            scale_change=scale,
            scale_up=bool(scale and scale.value >= 0),
        )
    else:
        values.update(period=None)
    day_units = units_on(res.day.start) if res.day else None
    if res.day and day_units is not None:
        values.update(
            day=fact(FactName.ETF_UNITS_CHANGE_1D, etf), day_up=res.day.change >= 0, day_start=day_units
        )
    else:
        values.update(day=None)
    return ctx.render(
        "flows",
        f=values,
        etf_label=ctx.label(etf),
        cite_data=ctx.ledger.add_data(res.facts[0].cite if res.facts else "fund_etf_scale_sse"),
    )
