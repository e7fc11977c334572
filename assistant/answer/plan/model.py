"""The question plan as plain typed data: an ordered list of asks, each a measure of subjects on a day or over a
period. The offline answerer routes on `Ask.measure`; an LLM writer can be handed the same plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.answer.intent import Intent
from assistant.market.resolve import Period

Measure = Literal[
    "move",  # why it moved: the full explanation
    "day_return",  # how it did on a day: the headline figures only
    "period_return",  # return over a period (month/week/year to date, last N days, a range)
    "tracking",  # ETF minus index return (on a day or over a period)
    "index_return",  # what the tracked index did
    "quote",
    "premium",
    "flows",
    "weights",
    "fund_fact",
    "methodology",
    "news",
    "comparison",
    "rank",  # the k-th item of a ranked list: contributors or industries, leading or lagging
    "industry_of",  # which industry a stock (the one talked about) belongs to
    "advice",
    "forecast",
    "off_topic",
    "greeting",
]
Compared = Literal[
    "return", "tracking", "premium", "flows", "scale", "weights", "contribution", "stock_return"
]
Direction = Literal["out", "in", "discount", "drag", "down", "up"]
RankedList = Literal["contributors", "laggards", "industries", "lagging_industries", "holdings"]


@dataclass(frozen=True)
class Ask:
    """One thing the question asks: a measure, of subjects (in `intent`), on a day or over a period."""

    measure: Measure
    intent: Intent
    rank: int | None = None  # 1-based position in `ranked` ("the runner-up" = 2)
    # How many items of `ranked` a list asks for ("哪三只拖累最大" = 3; rank is then None): the question's own
    # count, carried here so the handler never re-reads the words.
    count: int | None = None
    # A tracking ask that also states the period's return, first: "这周表现咋样，跑赢指数没？" asked both, and
    # one answer says each once, in the order asked.
    with_return: bool = False
    ranked: RankedList | None = None
    item: str | None = None  # the ranked item or stock resolved from the conversation (a code or industry)
    # What a comparison compares, and which way wins ("the larger outflow", "the deeper discount", "fell more");
    # for a list of contributors, "up" = the positive ones whatever the day ("which two helped most").
    compare: Compared | None = None
    direction: Direction | None = None

    @property
    def subjects(self) -> tuple[str, ...]:
        return self.intent.subjects

    @property
    def day(self) -> dt.date | None:
        return self.intent.date

    @property
    def period(self) -> Period | None:
        return self.intent.period


@dataclass(frozen=True)
class Plan:
    """The ordered asks of one question, plus what the conversation carried into it."""

    question: str
    language: Literal["zh", "en"]
    asks: tuple[Ask, ...]
    previous: Mapping[str, Any] = field(default_factory=dict)
    # A code typed with a wrong number of digits, read as the data's code: (as typed, read as), said aloud.
    typo: tuple[str, str] | None = None

    @property
    def first(self) -> Ask:
        return self.asks[0]

    def context(self, shown: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
        """What the next turn may inherit: the first ask's understanding, its measure, and the ranked lists
        shown (kept from the previous turn when this answer showed none)."""
        ctx = self.first.intent.context()
        ctx["measure"] = self.first.measure
        ctx["asks"] = [a.measure for a in self.asks]
        lists = dict(self.previous.get("shown") or {})
        lists.update({k: list(v) for k, v in (shown or {}).items() if v})
        ctx["shown"] = lists
        focus = (
            self.first.item
            if self.first.measure == "rank" and self.first.ranked in ("contributors", "laggards", "holdings")
            else (self.first.intent.stocks[:1] or [None])[0]
        )
        first = self.first
        if (
            focus is None
            and first.measure == "rank"
            and first.rank
            and first.ranked in ("contributors", "laggards")
        ):
            ranked = list(
                lists.get(first.ranked) or []
            )  # "谁贡献最大": the stock it showed is now the one talked about
            focus = ranked[first.rank - 1] if len(ranked) >= first.rank else None
        ctx["focus"] = focus or self.previous.get("focus")
        if self.first.measure in ("advice", "forecast", "off_topic", "greeting") and self.previous.get(
            "intent"
        ):
            ctx["intent"] = self.previous.get("intent")  # small talk does not reset the thread
        return ctx


__all__ = ["Ask", "Measure", "Plan", "RankedList"]
