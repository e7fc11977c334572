"""'Where did it close?' and 'what was the premium?': the day's quote, IOPV and premium."""

from __future__ import annotations

from .context import AskContext


def answer(ctx: AskContext) -> str:
    intent, ledger = ctx.intent, ctx.ledger
    etf = ctx.etf()
    quote = ctx.toolbox.etf_quote(etf, intent.date)
    fact = quote.fact
    prev = next((f for f in quote.facts if f.name == "etf_prev_close"), None)
    values = {
        "price": fact("etf_close", etf),
        "prev": prev,
        "ret": fact("etf_return_pct", etf),
        "iopv": fact("etf_iopv", etf),
        "premium": fact("etf_premium_pct", etf),
        "volume": fact("etf_volume_units", etf),
        "amount": fact("etf_amount_yuan", etf),
        "turnover": fact("etf_turnover_rate_pct", etf),
        "premium_change": fact("etf_premium_change_pp", etf),
    }
    if values["premium"] is None:
        values["iopv"] = None
    premium = values["premium"]
    cite = ledger.add_data("fund_etf_hist_em") + (
        ledger.add_data("fund_etf_spot_em") if values["iopv"] else ""
    )
    return ctx.render(
        "quote",
        q=values,
        up=quote.return_pct >= 0,
        day=quote.date,
        etf_label=ctx.label(etf),
        premium_up=bool(premium and premium.value >= 0),
        focus_premium=intent.kind == "premium",
        premium_flat=bool(premium and round(premium.value, 2) == 0),
        cite_data=cite,
    )
