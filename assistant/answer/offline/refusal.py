"""Questions the data cannot settle: investment advice and forecasts get one plain sentence saying so, then
the latest facts briefly; off-topic questions get what the assistant can answer, with example questions in
the user's language. Never the move dump."""

from __future__ import annotations

from assistant.analysis.figures import FactName

from .context import AskContext


def advice(ctx: AskContext) -> str:
    return _plain(ctx, "advice")


def forecast(ctx: AskContext) -> str:
    return _plain(ctx, "forecast")


def off_topic(ctx: AskContext) -> str:
    return _examples(ctx, "off_topic")


def greeting(ctx: AskContext) -> str:
    """'hi', '你好', 'thanks': a greeting back and what can be asked."""
    return _examples(ctx, "greeting")


def _examples(ctx: AskContext, kind: str) -> str:
    universe = sorted(ctx.toolbox.md.universe())
    return ctx.render("refusal", kind=kind, codes=universe, code=universe[0] if universe else "", facts=None)


def _plain(ctx: AskContext, kind: str) -> str:
    """The plain sentence, then the ETF's latest day in one line (when the ETF is known)."""
    md = ctx.toolbox.md
    last = md.info.trade_date
    facts = None
    try:
        etf = ctx.etf()
        res = ctx.toolbox.explain_move(etf, last, top_n=5)
        facts = {
            "etf_label": ctx.label(etf),
            "index_label": ctx.label(res.index, kind="index"),
            "etf_ret": res.fact(FactName.ETF_RETURN_PCT, etf),
            "index_ret": res.fact(FactName.INDEX_RETURN_PCT, res.index),
            "up": res.etf_return_pct >= 0,
            "day": res.trade_date,
            "cite": ctx.ledger.add_data("fund_etf_hist_em") + ctx.ledger.add_data("stock_zh_index_daily_em"),
        }
    except Exception:  # noqa: BLE001 - the plain sentence is the answer; the facts are a courtesy
        facts = None
    return ctx.render("refusal", kind=kind, facts=facts, last=last, codes=[], code="")
