"""Building the plan: split a question into clauses, understand each (later clauses inherit the subjects and day
of earlier ones, a follow-up those of the previous turn), and give each the measure it asks for."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from assistant.answer.intent import Intent, understand
from assistant.market.resolve import Lexicon

from . import cues
from .model import Ask, Measure, Plan, RankedList


def make_plan(
    question: str,
    lexicon: Lexicon,
    trade_date: dt.date,
    trading_days: Sequence[dt.date] = (),
    context: Mapping[str, Any] | None = None,
    universe: Mapping[str, str] | None = None,
) -> Plan:
    """The plan of `question`; with the previous turn's `context`, follow-ups resolve against it."""
    ctx = dict(context or {})
    typo = _code_typo(question, universe or {})
    if typo is not None:
        question = question.replace(typo[0], typo[1], 1)

    def read(text: str, carried: Mapping[str, Any] | None) -> Intent:
        return understand(text, lexicon, trade_date, trading_days, carried or None, universe=universe)

    whole = _day_before(read(question, ctx), question, ctx, trading_days)
    parts = _parts(question)
    asks: list[Ask] = []
    if len(parts) > 1 and not cues.WHY.search(question) and not cues.FORECAST.search(question):
        carried: Mapping[str, Any] | None = ctx or None
        for part in parts:
            intent = read(part, carried)
            intent = (
                replace(intent, question=question)
                if intent.kind in ("methodology", "fund_facts", "news")
                else intent
            )
            ask = _ask(part, intent, ctx)
            if ask is None or (asks and ask.measure == asks[-1].measure and ask.rank == asks[-1].rank):
                continue
            asks.append(ask)
            carried = {**ctx, **intent.context()}
        measures = {a.measure for a in asks}
        if "tracking" in measures:  # the tracking answer states both returns already
            asks = [a for a in asks if a.measure not in ("index_return", "day_return")]
        if "quote" in measures:  # so does the quote (the day's close and return)
            asks = [a for a in asks if a.measure != "day_return"]
        # Several clauses that read as one measure (or one with no measure of its own) are one ask.
        if len(asks) < 2 or not all(a.measure in _COMBINABLE for a in asks):
            asks = []
        asks = _fold_period_return(asks)
    if not asks:
        asks = [_ask(question, whole, ctx) or Ask(_default(whole), whole)]
    if (
        whole.language == "zh"
        and re.search(r"[A-Za-z]", question)
        and not re.search(r"[\u4e00-\u9fff]", question)
    ):
        # "hi", "ok thx": short English with nothing to detect a language from is still English.
        whole = replace(whole, language="en")
        asks = [replace(a, intent=replace(a.intent, language="en")) for a in asks]
    return Plan(question.strip(), whole.language, tuple(asks), ctx, typo)


def _fold_period_return(asks: list[Ask]) -> list[Ask]:
    """A period's return and 'did it beat the index' over the same period: the tracking answer states both
    returns, so the return is not a section of its own (its index line would say the comparison twice). Asked
    first ("这周表现咋样，跑赢指数没？"), the tracking answer leads with it."""
    tracking = next((a for a in asks if a.measure == "tracking" and a.period is not None), None)
    if tracking is None:
        return asks
    same = [a for a in asks if a.measure == "period_return" and a.period == tracking.period]
    if not same:
        return asks
    first = asks.index(same[0]) < asks.index(tracking)
    return [
        replace(a, with_return=first) if a is tracking else a for a in asks if not any(a is s for s in same)
    ]


def _code_typo(question: str, universe: Mapping[str, str]) -> tuple[str, str] | None:
    """'56500' or '5605000': a run of 5 or 7 digits one keystroke from exactly one code of the data (a digit
    dropped or doubled). Six-digit codes are never changed: 510500 is another ETF, not a typo of 560500."""
    codes = set(universe) | set(universe.values())
    for m in re.finditer(r"(?<!\d)(\d{5}|\d{7})(?!\d)", question):
        typed = m.group(1)
        near = {
            c
            for c in codes
            if any(typed[:i] + typed[i + 1 :] == c for i in range(len(typed)))
            or any(c[:i] + c[i + 1 :] == typed for i in range(len(c)))
        }
        if len(near) == 1:
            return typed, near.pop()
    return None


_LIST_DEFAULT = 3  # "the biggest contributors", with no count: three of them
# Measures about how much something returned: a follow-up naming a period asks the same over that period.
_RETURNS = frozenset({"quote", "day_return", "move", "period_return", "tracking", "index_return"})
# Measures a multi-part question may combine, each answered in its own section.
_COMBINABLE = frozenset(
    {
        "quote",
        "premium",
        "flows",
        "weights",
        "rank",
        "day_return",
        "period_return",
        "tracking",
        "index_return",
        "fund_fact",
        "methodology",
    }
)


def _parts(question: str) -> list[str]:
    """The clauses of a question that carry a measure of their own; a clause without one joins the previous."""
    pieces = [p.strip() for p in cues.SPLIT.split(question) if p and p.strip()]
    return pieces if len(pieces) > 1 else [question]


def _ask(text: str, intent: Intent, ctx: Mapping[str, Any]) -> Ask | None:
    """The ask one clause states, or None when it states no measure of its own (a fragment)."""
    shown: Mapping[str, Sequence[str]] = ctx.get("shown") or {}
    if cues.GREETING.match(text):
        return Ask("greeting", intent)
    if cues.ADVICE.search(text):
        return Ask("advice", intent)
    if cues.FORECAST.search(text) and intent.date is None and intent.date_reason == "future":
        return Ask("forecast", intent)
    compared = _compared(text, intent)
    if compared is not None:
        return compared
    named = () if "securities" in intent.inherited else intent.stocks  # stocks this clause names itself
    ordinal = _ordinal(text)
    news_of = _news_of(intent, text, ordinal, shown, ctx)
    if news_of is not None:
        return news_of
    if ordinal and shown and not named and not cues.WHY.search(text):
        ranked = _which_list(text, shown, ctx)
        items = list(shown.get(ranked) or [])
        item = items[ordinal - 1] if 0 < ordinal <= len(items) else None
        return Ask("rank", intent, rank=ordinal, ranked=ranked, item=item)
    if (
        cues.INDUSTRY_OF.search(text)
        and ctx.get("focus")
        and not named
        and not cues.LAGGING_SECTOR.search(text)
        and not cues.LEADING_SECTOR.search(text)
    ):
        return Ask("industry_of", intent, item=str(ctx["focus"]))
    if cues.LAGGING_SECTOR.search(text):
        return Ask("rank", intent, rank=1, ranked="lagging_industries")
    if cues.LEADING_SECTOR.search(text):
        return Ask("rank", intent, rank=1, ranked="industries")
    # "哪三只拖累最大" / "the top 3 contributors": a list of that many; "谁拖累最大" / "who led": one name. A list
    # of "top contributors" follows the day's move (on a falling day, the drivers of the fall).
    count = intent.top_n if intent.top_n and intent.top_n > 1 else None
    if cues.LAGGARD.search(text):
        return Ask("rank", intent, rank=None if count else 1, ranked="laggards", count=count)
    if cues.LAGGARDS.search(text) and not cues.LAGGING_SECTOR.search(text):
        return Ask("rank", intent, ranked="laggards", count=count or _LIST_DEFAULT)
    if cues.LEADERS.search(text) and not cues.WHY.search(text):
        return Ask("rank", intent, ranked="contributors", count=count or _LIST_DEFAULT)
    if cues.LEADER.search(text) and not cues.WHY.search(text):
        return Ask(
            "rank", intent, rank=None if count else 1, ranked="contributors", count=count, direction="up"
        )  # "哪两只贡献最大": like the one name, the largest positive contributions
    if (
        intent.kind == "move_explanation"
        and not intent.explicit
        and not (intent.subjects or intent.unknown)
        and intent.period is None
        and not cues.RETURN.search(text)
        and (not ctx or intent.date_phrase is None)
    ):
        return Ask("off_topic", intent) if not ctx else None
    if (
        intent.period is not None
        and intent.kind in ("move_explanation", "quote", "comparison", "unknown")
        and (
            cues.RETURN.search(text)
            or cues.TRACKING.search(text)
            or (intent.subjects and cues.HOW.search(text))
        )
        and not cues.WHY.search(text)
    ):
        return Ask("tracking" if cues.TRACKING.search(text) else "period_return", intent)
    if (
        cues.TRACKING.search(text)
        and intent.kind in ("fund_facts", "move_explanation", "comparison")
        and not intent.stocks
        and len(intent.etfs) <= 1
        and not cues.WHY.search(text)
    ):
        return Ask("tracking", replace(intent, kind="move_explanation"))
    if (
        cues.INDEX.search(text)
        and not cues.EXPLAIN.search(text)
        and not intent.stocks
        and intent.kind in ("move_explanation", "quote")
    ):
        return Ask("index_return", intent)
    if (
        not intent.explicit
        and intent.followup
        and ctx.get("intent") == "news"
        and "date" not in intent.inherited
        and intent.date_phrase is not None
    ):
        return Ask(
            "day_return", replace(intent, kind="move_explanation")
        )  # "what about yesterday?" after news
    if (
        intent.followup
        and intent.period is not None
        and "period" not in intent.inherited
        and ctx.get("measure") in _RETURNS
    ):  # "那这个月呢？" after "今天涨了多少"
        return Ask("period_return", intent)
    if not intent.explicit and len(text) < 6 and not intent.subjects and not intent.date_phrase:
        return None
    measure = _default(intent)
    if (
        measure in ("quote", "day_return")
        and intent.stocks
        and not any(e.kind == "etf" for e in intent.entities)
    ):
        measure = "move"  # "and how much did it add today?" about a stock: its return and contribution
    if (
        measure == "move"
        and not cues.EXPLAIN.search(text)
        and not intent.stocks
        and not (intent.followup and ctx.get("measure") == "move")
    ):
        measure = "day_return"  # "how did it do?": the headline, not the whole explanation
    return Ask(measure, intent)


def _news_of(
    intent: Intent, text: str, ordinal: int | None, shown: Mapping[str, Sequence[str]], ctx: Mapping[str, Any]
) -> Ask | None:
    """'它有什么新闻' / 'any news on the runner-up?': news about the stock the conversation is on (or the ranked
    item the ordinal names), not about the ETF the earlier turns carried."""
    if intent.kind != "news" or "securities" not in intent.inherited or cues.WHY.search(text):
        return None
    stock = None
    if ordinal and shown:
        items = list(shown.get(_which_list(text, shown, ctx)) or [])
        stock = items[ordinal - 1] if 0 < ordinal <= len(items) else None
    elif ctx.get("focus"):
        stock = str(ctx["focus"])
    if not stock or not re.fullmatch(r"\d{6}", stock):
        return None
    return Ask("news", replace(intent, etfs=(), indices=(), stocks=(stock,)), item=stock)


def _compared(text: str, intent: Intent) -> Ask | None:
    """Two or more ETFs (or indices, with no ETF) named in one clause that asks no 'why': a comparison, of the
    measure the clause names (tracking difference, premium, flows; else the return)."""
    etfs = {e.code for e in intent.entities if e.kind in ("etf", "unknown")}
    indices = {e.code for e in intent.entities if e.kind == "index"}
    if "securities" in intent.inherited:  # "那溢价呢？" after a comparison: the same sides
        etfs = set(intent.etfs) | set(intent.unknown)
    stocks = {e.code for e in intent.entities if e.kind == "stock"}
    if len(stocks) >= 2 and len(etfs) <= 1 and cues.COMPARE_WEIGHT.search(text) and not cues.WHY.search(text):
        return Ask("comparison", intent, compare="weights")  # "厦门钨业和西部矿业谁权重大"
    if len(stocks) >= 2 and len(etfs) <= 1 and not cues.WHY.search(text):
        if cues.COMPARE_CONTRIBUTION.search(text):  # "宁德时代和比亚迪谁拖累更多"
            return Ask(
                "comparison",
                intent,
                compare="contribution",
                direction="drag" if cues.DRAG.search(text) else None,
            )
        if cues.COMPARE_WORDS.search(text):  # "Compare CATL and BYD today"
            return Ask(
                "comparison",
                intent,
                compare="stock_return",
                direction="down" if cues.FELL_MORE.search(text) else None,
            )
    if intent.stocks or cues.WHY.search(text) or not (len(etfs) >= 2 or (not etfs and len(indices) >= 2)):
        return None
    if cues.COMPARE_TRACKING.search(text):
        return Ask("comparison", intent, compare="tracking")
    if cues.COMPARE_PREMIUM.search(text):
        return Ask(
            "comparison",
            intent,
            compare="premium",
            direction="discount" if cues.DISCOUNT.search(text) else None,
        )
    if cues.COMPARE_SCALE.search(text) and not cues.COMPARE_FLOWS.search(text.replace("规模", "")):
        return Ask("comparison", intent, compare="scale")
    if cues.COMPARE_FLOWS.search(text):
        return Ask(
            "comparison", intent, compare="flows", direction="out" if cues.OUTFLOW.search(text) else "in"
        )
    return Ask(
        "comparison", intent, compare="return", direction="down" if cues.FELL_MORE.search(text) else None
    )


def _day_before(intent: Intent, text: str, ctx: Mapping[str, Any], trading_days: Sequence[dt.date]) -> Intent:
    """'前一天呢？' / 'and the day before?': the trading day before the day the conversation was about."""
    if not cues.DAY_BEFORE.search(text) or not ctx.get("date"):
        return intent
    try:
        talked = dt.date.fromisoformat(str(ctx["date"]))
    except ValueError:
        return intent
    earlier = [d for d in trading_days if d < talked]
    if not earlier:
        return intent
    day = max(earlier)
    return replace(
        intent,
        date=day,
        requested=day,
        date_phrase=cues.DAY_BEFORE.search(text).group(0),  # type: ignore[union-attr]
        date_note=None,
        date_reason=None,
    )


def _default(intent: Intent) -> Measure:
    return {"holdings": "weights", "fund_facts": "fund_fact", "move_explanation": "move"}.get(
        intent.kind, intent.kind if intent.kind != "unknown" else "move"
    )  # type: ignore[return-value]


def _ordinal(text: str) -> int | None:
    m = cues.ORDINAL.search(text)
    if not m:
        return None
    word = m.group(0).lower()
    for key, n in cues.EN_ORD.items():
        if word.startswith(key):
            return n
    digit = next((g for g in m.groups() if g), None)
    if digit is None:
        return None
    return int(digit) if digit.isdigit() else cues.ZH_ORD.get(digit)


def _which_list(text: str, shown: Mapping[str, Sequence[str]], ctx: Mapping[str, Any]) -> RankedList:
    """Which ranked list an ordinal refers to: the one the text names, else the one shown last."""
    if re.search(cues.SECTOR, text, cues.I):
        return (
            "lagging_industries"
            if "lagging_industries" in shown and not shown.get("industries")
            else "industries"
        )
    if re.search(r"权重|持仓|重仓|holding|weight", text, cues.I) and shown.get("holdings"):
        return "holdings"
    if re.search(r"拖累|跌|drag|laggard|fell|worst", text, cues.I) and shown.get("laggards"):
        return "laggards"
    last = ctx.get("measure")
    if last == "weights" and shown.get("holdings"):
        return "holdings"
    return "contributors" if shown.get("contributors") else next(iter(shown))  # type: ignore[arg-type]
