"""'Where did it close?' and 'what was the premium?': the day's quote, IOPV and premium."""

from __future__ import annotations

from assistant.analysis.figures import FactName

from .context import AskContext


def answer(ctx: AskContext) -> str:
    intent, ledger = ctx.intent, ctx.ledger
    etf = ctx.etf()
    quote = ctx.toolbox.etf_quote(etf, intent.date)
    fact = quote.fact
    prev = next((f for f in quote.facts if f.name == FactName.ETF_PREV_CLOSE), None)
    values = {
        "price": fact(FactName.ETF_CLOSE, etf),
        "prev": prev,
        "ret": fact(FactName.ETF_RETURN_PCT, etf),
        "iopv": fact(FactName.ETF_IOPV, etf),
        "premium": fact(FactName.ETF_PREMIUM_PCT, etf),
        "volume": fact(FactName.ETF_VOLUME_UNITS, etf),
        "amount": fact(FactName.ETF_AMOUNT_YUAN, etf),
        "turnover": fact(FactName.ETF_TURNOVER_RATE_PCT, etf),
        "premium_change": fact(FactName.ETF_PREMIUM_CHANGE_PP, etf),
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
