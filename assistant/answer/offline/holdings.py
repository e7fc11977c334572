"""'What are its top holdings?' and 'and Western Mining?': the index's weights from its weight file."""

from __future__ import annotations

from assistant.analysis.figures import FactName

from .context import AskContext


def answer(ctx: AskContext) -> str:
    intent, toolbox = ctx.intent, ctx.toolbox
    etf = ctx.etf()
    index = toolbox.md.index_of(etf)
    # Stocks named in this question ("and Western Mining?"), not ones carried over from an earlier turn.
    named = () if "securities" in intent.inherited else intent.stocks
    weights = toolbox.index_constituents(index, intent.top_n or 10, include=named)
    holdings = [
        {
            "label": ctx.label(h.code, kind="stock", fallback=h.name),
            "weight": weights.fact(FactName.CONSTITUENT_WEIGHT_FILE_PCT, h.code),
        }
        for h in weights.holdings
    ]
    # "and Western Mining?" after a holdings question: answer for the named stocks, not the list again.
    weighed = {h.code for h in weights.holdings + weights.named}
    focus = [
        {
            "label": ctx.label(code, kind="stock"),
            "weight": weights.fact(FactName.CONSTITUENT_WEIGHT_FILE_PCT, code),
        }
        for code in named
        if code in weighed
    ]
    absent = [ctx.label(code, kind="stock") for code in named if code not in weighed]
    ctx.shown["holdings"] = [h.code for h in weights.holdings]
    totals = {
        "top_n": weights.fact(FactName.TOP_N_COUNT),
        "count": weights.fact(FactName.CONSTITUENTS_COUNT),
        "total": weights.fact(FactName.TOP_N_WEIGHT_PCT),
    }
    return ctx.render(
        "holdings",
        c=totals,
        holdings=holdings,
        focus=focus,
        absent=absent,
        wdate=weights.weights_date,
        index_label=ctx.label(index, kind="index"),
        etf_label=ctx.label(etf),
        cite_data=ctx.ledger.add_data("index_stock_cons_weight_csindex"),
    )
