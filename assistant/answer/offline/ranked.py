"""Focused answers about ranked lists: who led (or dragged) the index, which industry contributed most (or
least), the k-th item of a list the previous answer showed ("and the runner-up?", "排第三的那只呢？"), and which
industry the stock talked about belongs to ("which sector was that?")."""

from __future__ import annotations

from assistant.analysis.figures import FactName, Figure
from assistant.errors import NotFoundError

from .context import AskContext
from .labels import head

_SOURCE = "index_stock_cons_weight_csindex+stock_zh_a_hist"


def rank(ctx: AskContext) -> str:
    ask = ctx.ask
    if ask.ranked in ("industries", "lagging_industries"):
        return _industry_rank(ctx, lagging=ask.ranked == "lagging_industries")
    if ask.ranked == "holdings":
        return _holding(ctx)
    if ask.rank is None and ask.ranked in ("contributors", "laggards"):
        return _contribution_list(ctx, lagging=ask.ranked == "laggards")
    return _constituent(ctx, lagging=ask.ranked == "laggards")


_MAX_LISTED = 10  # one readable sentence; asked for more, the answer says it lists only this many


def _contribution_list(ctx: AskContext, *, lagging: bool) -> str:
    """'哪三只拖累最大' / 'the top 3 contributors': as many constituents as asked, largest first -- the drags
    (negative contributions), the positive ones ('which two helped most'), or the drivers of the day's index
    move (in its direction). When fewer moved that way than were asked for (or the index has fewer
    constituents), the answer says so plainly."""
    etf = ctx.etf()
    x = ctx.toolbox.explanation(etf, ctx.day, 5)
    figs = {(f.name, f.subject): f for f in x.figures()}
    up = ctx.ask.direction == "up" or (not lagging and x.index_return_pct >= 0)
    sign = 1.0 if up and not lagging else -1.0
    moved = sorted(
        (c for c in x.constituents if c.priced and sign * c.contribution_pp > 0),
        key=lambda c: (-sign * c.contribution_pp, c.code),
    )
    if not moved:
        raise NotFoundError(
            ctx.t(
                f"{x.trade_date.isoformat()}没有成分股对指数的贡献为{'负' if sign < 0 else '正'}。",
                f"No constituent contributed {'negatively' if sign < 0 else 'positively'} to the index on "
                f"{x.trade_date.isoformat()}.",
            )
        )
    asked = ctx.ask.count or 3
    listed = moved[: min(asked, _MAX_LISTED)]

    def count(name: str, n: int) -> Figure:
        return Figure(name, x.index, float(n), "count", x.trade_date, _SOURCE)

    drivers = [
        {
            "label": ctx.label(c.code, kind="stock", fallback=c.name),
            "head": head(ctx.label(c.code, kind="stock", fallback=c.name)),
            "contrib": figs[(FactName.CONSTITUENT_CONTRIBUTION_PP, c.code)],
            "ret": figs.get((FactName.CONSTITUENT_RETURN_PCT, c.code)),
            "up": (c.return_pct or 0) >= 0,
        }
        for c in listed
    ]
    ctx.shown["laggards" if lagging else "contributors"] = [c.code for c in listed]
    return ctx.render(
        "ranked",
        kind="leaders",
        lagging=lagging,
        drivers=drivers,
        day=x.trade_date,
        index_up=sign > 0,
        against=sign > 0 > x.index_return_pct,  # the positive ones on a falling day
        index_label=ctx.label(x.index, kind="index"),
        count=count(FactName.TOP_N_COUNT, len(listed)),
        # Fewer than asked: how many constituents the index has (when asked for more) and how many moved it.
        total=count(FactName.CONSTITUENTS_COUNT, len(x.constituents))
        if asked > len(x.constituents)
        else None,
        moved=count(FactName.contributors_count(sign), len(moved)) if asked > len(moved) else None,
        capped=len(listed) < min(asked, len(moved)),
        cite_data=ctx.ledger.add_data("stock_zh_a_hist"),
    )


def industry_of(ctx: AskContext) -> str:
    """'Which sector was that?': the industry of the stock the conversation is about, and its contribution."""
    code = ctx.ask.item or ""
    etf = ctx.etf()
    explanation = ctx.toolbox.explanation(etf, ctx.day, 5)
    cons = next((c for c in explanation.constituents if c.code == code), None)
    if cons is None or cons.industry in (None, "UNCLASSIFIED"):
        raise NotFoundError(
            ctx.t(
                f"本数据没有{ctx.label(code, kind='stock')}的行业分类。",
                f"This data has no industry classification for {ctx.label(code, kind='stock')}.",
            )
        )
    figs = {(f.name, f.subject): f for f in explanation.figures()}
    ctx.shown["industries"] = [cons.industry]
    return ctx.render(
        "ranked",
        kind="industry_of",
        label=ctx.label(code, kind="stock", fallback=cons.name),
        industry=ctx.industry(cons.industry),
        day=explanation.trade_date,
        contrib=figs.get((FactName.INDUSTRY_CONTRIBUTION_PP, cons.industry)),
        cite_data=ctx.ledger.add_data("stock_zh_a_hist"),
    )


def _constituent(ctx: AskContext, *, lagging: bool) -> str:
    etf = ctx.etf()
    explanation = ctx.toolbox.explanation(etf, ctx.day, 5)
    figs = {(f.name, f.subject): f for f in explanation.figures()}
    order = sorted(
        (c for c in explanation.constituents if c.priced),
        key=lambda c: (c.contribution_pp if lagging else -c.contribution_pp, c.code),
    )
    item = ctx.ask.item
    known = next((c for c in order if c.code == item), None)
    if known is not None and not lagging and known.contribution_pp < 0:
        lagging = True  # the list shown was of drags (a falling day's drivers)
        order.reverse()
    position = next(i for i, c in enumerate(order, 1) if c.code == item) if known else ctx.ask.rank or 1
    if not 0 < position <= len(order):
        raise NotFoundError(
            ctx.t(
                f"指数只有{len(order)}只有行情的成分股。",
                f"The index has only {len(order)} priced constituents.",
            )
        )
    cons = order[position - 1]
    rank_fact = Figure(
        FactName.CONSTITUENT_CONTRIBUTION_RANK,
        cons.code,
        float(position),
        "count",
        explanation.trade_date,
        _SOURCE,
    )
    ctx.shown["contributors" if not lagging else "laggards"] = [c.code for c in order[:5]]
    industry = None if cons.industry in (None, "UNCLASSIFIED") else ctx.industry(cons.industry)
    return ctx.render(
        "ranked",
        kind="constituent",
        lagging=lagging,
        position=position,
        rank_fact=rank_fact,
        label=ctx.label(cons.code, kind="stock", fallback=cons.name),
        industry=industry,
        up=(cons.return_pct or 0) >= 0,
        ret=figs.get((FactName.CONSTITUENT_RETURN_PCT, cons.code)),
        contrib=figs[(FactName.CONSTITUENT_CONTRIBUTION_PP, cons.code)],
        day=explanation.trade_date,
        index_label=ctx.label(explanation.index, kind="index"),
        cite_data=ctx.ledger.add_data("stock_zh_a_hist"),
    )


def _industry_rank(ctx: AskContext, *, lagging: bool) -> str:
    etf = ctx.etf()
    res = ctx.toolbox.explain_move(etf, ctx.day, top_n=5)
    figs = {(f.name, f.subject): f for f in ctx.toolbox.explanation(etf, ctx.day, 5).figures()}
    order = sorted(
        (i for i in res.industries if i.contribution_pp != 0),
        key=lambda i: (i.contribution_pp if lagging else -i.contribution_pp, i.industry),
    )
    known = next((i for i in order if i.industry == ctx.ask.item), None)
    if known is not None and not lagging and known.contribution_pp < 0:
        lagging = True  # the list shown was of drags (a falling day's industries)
        order.reverse()
    position = (
        next(n for n, i in enumerate(order, 1) if i.industry == ctx.ask.item) if known else ctx.ask.rank or 1
    )
    if not 0 < position <= len(order):
        raise NotFoundError(
            ctx.t("没有这么多有贡献的行业。", "There are not that many industries with a contribution.")
        )
    chosen = order[position - 1]
    rank_fact = Figure(
        FactName.INDUSTRY_CONTRIBUTION_RANK,
        chosen.industry,
        float(position),
        "count",
        res.trade_date,
        _SOURCE,
    )
    rest = [
        {
            "name": ctx.industry(i.industry),
            "contrib": figs.get((FactName.INDUSTRY_CONTRIBUTION_PP, i.industry)),
        }
        for i in order[position : position + 2]
    ]
    ctx.shown["industries" if not lagging else "lagging_industries"] = [i.industry for i in order[:5]]
    return ctx.render(
        "ranked",
        kind="industry",
        lagging=lagging,
        position=position,
        rank_fact=rank_fact,
        name=ctx.industry(chosen.industry),
        contrib=figs.get((FactName.INDUSTRY_CONTRIBUTION_PP, chosen.industry)),
        rest=rest,
        day=res.trade_date,
        index_label=ctx.label(res.index, kind="index"),
        etf_label=ctx.label(etf),
        up=res.etf_return_pct >= 0,
        etf_ret=res.fact(FactName.ETF_RETURN_PCT, etf),
        index_ret=res.fact(FactName.INDEX_RETURN_PCT, res.index),
        cite_data=ctx.ledger.add_data("fund_etf_hist_em") + ctx.ledger.add_data("stock_zh_index_daily_em"),
    )


def _holding(ctx: AskContext) -> str:
    etf = ctx.etf()
    index = ctx.toolbox.md.index_of(etf)
    code = ctx.ask.item
    if code is None:
        raise NotFoundError(
            ctx.t("上一轮回答里没有这么多只权重股。", "The previous answer did not list that many holdings.")
        )
    weights = ctx.toolbox.index_constituents(index, max(ctx.ask.rank or 1, 10), include=(code,))
    order = [h.code for h in weights.holdings]
    position = order.index(code) + 1 if code in order else None
    rank_fact = (
        None
        if position is None
        else Figure(
            FactName.CONSTITUENT_WEIGHT_RANK,
            code,
            float(position),
            "count",
            weights.weights_date,
            "index_stock_cons_weight_csindex",
        )
    )
    ctx.shown["holdings"] = order
    return ctx.render(
        "ranked",
        kind="holding",
        position=position or 0,
        rank_fact=rank_fact,
        label=ctx.label(code, kind="stock"),
        weight=weights.fact(FactName.CONSTITUENT_WEIGHT_FILE_PCT, code),
        wdate=weights.weights_date,
        index_label=ctx.label(index, kind="index"),
        cite_data=ctx.ledger.add_data("index_stock_cons_weight_csindex"),
    )
