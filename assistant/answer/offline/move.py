"""'Why did it move?': the day's analyst note -- the ETF's and its index's return, the stocks and industries
that drove it, the news out before the close, premium and flows in one clause each."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from assistant.analysis.figures import FactName, Figure
from assistant.answer.numbers import extract
from assistant.errors import NotFoundError, UpstreamError
from assistant.market.model import CHINA_TZ

from .context import AskContext
from .labels import head, names_of

log = logging.getLogger(__name__)
TRACKING = re.compile(
    r"跟踪偏差|跟踪误差|跑赢|跑输|相对|tracking|\bbeat\b|outperform|underperform|versus its index",
    re.IGNORECASE,
)


def answer(ctx: AskContext) -> str:
    intent, toolbox, ledger = ctx.intent, ctx.toolbox, ctx.ledger
    etf = ctx.etf()
    top_n = min(intent.top_n or 5, 10)
    res = toolbox.explain_move(etf, intent.date, top_n=top_n)
    explanation = toolbox.explanation(etf, intent.date, top_n)
    fact = res.fact
    up = res.etf_return_pct >= 0
    index_up = res.index_return_pct >= 0
    index_label = ctx.label(res.index, kind="index")
    headline = {
        "etf_ret": fact(FactName.ETF_RETURN_PCT, etf),
        "index_ret": fact(FactName.INDEX_RETURN_PCT, res.index),
        "td": fact(FactName.TRACKING_DIFFERENCE_PP, etf),
        "top_n": fact(FactName.TOP_N_COUNT, res.index),
    }
    figs = {(f.name, f.subject): f for f in explanation.figures()}

    def contributor(c: Any) -> dict[str, Any]:
        name = ctx.label(c.code, kind="stock", fallback=c.name)
        sector = None if c.industry in (None, "UNCLASSIFIED") else ctx.industry(c.industry)
        full = (
            name
            if sector is None
            else (
                name[:-1] + f"，{sector}）"
                if ctx.lang == "zh" and name.endswith("）")
                else name[:-1] + f", {sector})"
                if name.endswith(")")
                else name
            )
        )
        return {
            "label": name,
            "head": head(name),
            "full": full,
            "code": c.code,
            "up": (c.return_pct or 0) >= 0,
            "ret": figs.get((FactName.CONSTITUENT_RETURN_PCT, c.code)),
            "contrib": figs.get((FactName.CONSTITUENT_CONTRIBUTION_PP, c.code)),
        }

    drivers = [contributor(c) for c in res.drivers if c.return_pct is not None]
    others = res.bottom_contributors if index_up else res.top_contributors
    laggards = [
        contributor(c) for c in others[:3] if (c.contribution_pp < 0) == index_up and c.contribution_pp != 0
    ]
    # Industries in the direction of the move, largest first: on a falling day the biggest negative ones.
    inds = sorted(
        (i for i in res.industries if i.contribution_pp != 0 and (i.contribution_pp > 0) == index_up),
        key=lambda i: -abs(i.contribution_pp),
    )[:3]
    industries = [
        {
            "name": ctx.industry(i.industry),
            "contrib": figs.get((FactName.INDUSTRY_CONTRIBUTION_PP, i.industry)),
        }
        for i in inds
    ]
    by_code = {c.code: c for c in explanation.constituents}
    order = sorted(
        (c for c in explanation.constituents if c.priced),
        key=lambda c: (-c.contribution_pp if index_up else c.contribution_pp, c.code),
    )
    focus: list[dict[str, Any]] = []
    for code in intent.stocks[:3]:
        cons = by_code.get(code)
        if cons is None or not cons.priced:
            raise NotFoundError(
                ctx.t(
                    f"{code} 不是{index_label}的成分股，或缺少计算贡献所需的行情。",
                    f"{code} is not a constituent of the {index_label}, or lacks the prices "
                    "needed for its contribution.",
                )
            )
        name = ctx.label(code, kind="stock", fallback=cons.name)
        if cons.suspended or cons.return_pct is None:
            focus.append(
                {
                    "label": name,
                    "suspended": True,
                    "weight": figs.get((FactName.CONSTITUENT_WEIGHT_PCT, code)),
                    "contrib": figs[(FactName.CONSTITUENT_CONTRIBUTION_PP, code)],
                }
            )
            continue
        rank = next(i for i, c in enumerate(order, 1) if c.code == code)
        rank_fact = Figure(
            FactName.CONSTITUENT_CONTRIBUTION_RANK,
            code,
            float(rank),
            "count",
            res.trade_date,
            "index_stock_cons_weight_csindex+stock_zh_a_hist",
        )
        focus.append(
            {
                "label": name,
                "suspended": False,
                "up": cons.return_pct >= 0,
                "ret": figs[(FactName.CONSTITUENT_RETURN_PCT, code)],
                "weight": figs[(FactName.CONSTITUENT_WEIGHT_PCT, code)],
                "contrib": figs[(FactName.CONSTITUENT_CONTRIBUTION_PP, code)],
                "rank": rank_fact,
            }
        )
    news = driver_news(ctx, res, drivers, focus[0] if focus else None)
    correction = intent.premise is not None and (intent.premise == "up") != up and abs(res.etf_return_pct) > 0
    # Premium and flows are always stated when the data has them: one short clause each.
    premium = fact(FactName.ETF_PREMIUM_PCT, etf)
    premium_change = fact(FactName.ETF_PREMIUM_CHANGE_PP, etf) if premium is not None else None
    flows: dict[str, Any] | None = None
    day_change, period_change = fact(FactName.ETF_UNITS_CHANGE_1D, etf), fact(FactName.ETF_UNITS_CHANGE, etf)
    pct_change, scale_change = (
        fact(FactName.ETF_UNITS_CHANGE_PCT, etf),
        fact(FactName.ETF_SCALE_CHANGE_YUAN, etf),
    )
    start_units = next(
        (f for f in res.facts if f.name == FactName.ETF_UNITS and f.as_of == res.period_start), None
    )
    if period_change is not None and pct_change is not None and start_units is not None:
        flows = {
            "start": start_units,
            "end": period_change,
            "period": period_change,
            "period_up": period_change.value >= 0,
            "period_pct": pct_change,
            "scale": scale_change,
            "scale_up": bool(scale_change and scale_change.value >= 0),
            "day": day_change,
            "day_up": bool(day_change and day_change.value >= 0),
        }
    elif day_change is not None:
        flows = {"period": None, "day": day_change, "day_up": day_change.value >= 0}
    suspended = []
    for code in res.suspended:
        if any(f.get("suspended") and code in intent.stocks for f in focus):
            continue
        name = ctx.label(code, kind="stock", fallback=getattr(by_code.get(code), "name", None))
        suspended.append(
            {
                "label": name,
                "head": head(name),
                "weight": figs.get((FactName.CONSTITUENT_WEIGHT_PCT, code)),
                "contrib": figs.get((FactName.CONSTITUENT_CONTRIBUTION_PP, code)),
            }
        )
    ctx.shown["contributors"] = [d["code"] for d in drivers]
    ctx.shown["industries"] = [i.industry for i in inds]
    warnings = [w for w in res.warnings if not extract(w)][:2]
    cite_data = ledger.add_data("fund_etf_hist_em") + ledger.add_data("stock_zh_index_daily_em")
    cite_premium = ledger.add_data(premium.cite) if premium is not None else ""
    cite_flows = ledger.add_data((flows.get("period") or flows["day"]).cite) if flows else ""
    return ctx.render(
        "move",
        m=headline,
        up=up,
        index_up=index_up,
        day=res.trade_date,
        etf_label=ctx.label(etf),
        index_label=index_label,
        industries=industries,
        drivers=drivers if not focus else drivers[:3],
        share=fact(FactName.TOP_N_SHARE_PCT, res.index) if drivers else None,
        laggards=laggards if not focus else [],
        suspended=suspended,
        news=news,
        premium=premium,
        premium_flat=premium is not None and round(premium.value, 2) == 0,
        premium_up=premium is not None and premium.value >= 0,
        premium_change=premium_change,
        flows=flows,
        warnings=warnings,
        cite_premium=cite_premium,
        cite_flows=cite_flows,
        correction=correction,
        premise=intent.premise,
        focus=focus,
        cite_data=cite_data,
        tracking=bool(TRACKING.search(intent.question)),
    )


def driver_news(
    ctx: AskContext, res: Any, drivers: list[dict[str, Any]], focus: dict[str, Any] | None
) -> list[dict[str, str]]:
    """Up to four articles out before the day's close that may explain the move: about the stock asked about,
    the ETF or its index, then the drivers -- in the question's language when there is one."""
    intent = ctx.intent
    zh = ctx.lang == "zh"
    word = (
        ("上涨" if res.index_return_pct >= 0 else "下跌")
        if zh
        else ("rise" if res.index_return_pct >= 0 else "fall")
    )
    wanted: list[tuple[str, str, list[str]]] = []
    if focus is not None:
        topic = ("停牌" if zh else "suspended trading halt") if focus.get("suspended") else word
        wanted.append((focus["label"], f"{focus['label']} {topic}", [intent.stocks[0]]))
    wanted.append((ctx.label(res.etf), f"{res.etf} {res.index_name or ''} {word}", [res.etf, res.index]))
    for d in drivers[:4]:
        wanted.append((d["label"], f"{d['label']} {word}", [d["code"]]))
    # The stocks an article may be about: the one asked about, then the drivers (label, code).
    people = ([(focus["label"], intent.stocks[0])] if focus is not None else []) + [
        (d["label"], d["code"]) for d in drivers
    ]
    out: list[dict[str, str]] = []
    used: set[str] = set()
    en = ctx.lang == "en"
    # News can only explain a day's move if it was out before that day's close (15:00 China time).
    close = dt.datetime.combine(res.trade_date, dt.time(15, 0), tzinfo=CHINA_TZ)
    try:
        ctx.toolbox.prepare_searches([query for _, query, _ in wanted])
        for about, query, symbols in wanted:
            found = ctx.toolbox.search_news(query, symbols, until=close, k=3).passages
            for p in found:
                if (
                    p.id in used
                    or not p.published_at
                    or p.published_at.date() < res.trade_date - dt.timedelta(days=3)
                ):
                    continue
                if (p.title or "").isascii() != en and any(
                    q.id not in used and (q.title or "").isascii() == en for q in found
                ):
                    continue  # prefer an article in the question's language when one is there
                owner = _owner(ctx, p, about, symbols if symbols[0] == res.etf else [], people)
                if owner in {o["about"] for o in out}:
                    continue  # that stock already has its article: look further for this one
                used.add(p.id)
                out.append({"about": owner, "title": ctx.safe_title(p), "cite": ctx.cite(p)})
                break
            if len(out) >= 4:
                break
    except UpstreamError as err:
        log.warning("news retrieval unavailable: %s", err)
    return out


def _owner(ctx: AskContext, p: Any, about: str, fund: list[str], people: list[tuple[str, str]]) -> str:
    """The stock an article is about, so it is cited under that stock: the one its headline names first (a
    tungsten article found for 中钨高新 but headlined 厦门钨业 is 厦门钨业's news), else -- for an article found
    for the ETF (`fund`: its ETF and index codes) but not tagged with either -- the driver it is linked to by its
    symbols, else the subject it was searched for."""
    title = p.title or ""
    hits = [
        (title.find(n), label)
        for label, code in people
        for n in names_of(ctx.toolbox.lexicon, code)
        if n and n in title
    ]
    if hits:
        return min(hits)[1]
    if fund and not set(fund) & set(p.symbols or []):
        linked = [label for label, code in people if code in (p.symbols or [])]
        if linked:
            return linked[0]
    return about
