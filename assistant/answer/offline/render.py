"""Formatting filters bound to one answer, and the template environment that applies them.

Every number reaches an answer's text through one of these filters: each takes a `Figure`,
registers it with the answer's `Ledger` at the moment it is printed, and only then formats it. So the
answer's `facts` are exactly the numbers it states, rounded only here, at presentation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from assistant.analysis.figures import Figure
from assistant.answer.evidence import Ledger

Lang = Literal["zh", "en"]


class Render:
    """The formatting filters of one answer: its ledger and language."""

    NAMES = ("pct", "apct", "pp", "app", "units", "yuan", "price", "iopv", "count", "date")

    def __init__(self, ledger: Ledger, lang: Lang) -> None:
        self.ledger, self.lang = ledger, lang

    def _register(self, fact: Figure | None) -> float:
        if fact is None:
            raise ValueError("a template printed a number that has no fact")
        self.ledger.add_figure(fact)
        return fact.value

    def pct(self, fact: Any) -> str:
        return f"{self._register(fact):+.2f}%"

    def apct(self, fact: Any) -> str:
        return f"{abs(self._register(fact)):.2f}%"

    def pp(self, fact: Any) -> str:
        value = self._register(fact)
        text = (
            f"{value:+.2f}" if round(value, 2) != 0 else "0.00"
        )  # no sign on a nil contribution (a suspension)
        return f"{text}个百分点" if self.lang == "zh" else f"{text} pp"

    def app(self, fact: Any) -> str:
        value = abs(self._register(fact))
        return f"{value:.2f}个百分点" if self.lang == "zh" else f"{value:.2f} pp"

    def units(self, fact: Any) -> str:
        value = abs(self._register(fact))
        if self.lang == "zh":
            return f"{value / 1e8:,.2f}亿份" if value >= 1e8 else f"{value / 1e4:,.2f}万份"
        return f"{value:,.0f} units" if value < 1e6 else f"{value / 1e6:,.2f} million units"

    def yuan(self, fact: Any) -> str:
        value = abs(self._register(fact))
        if self.lang == "zh":
            return f"{value / 1e8:,.2f}亿元" if value >= 1e8 else f"{value / 1e4:,.2f}万元"
        return f"{value / 1e9:,.2f} billion yuan" if value >= 1e9 else f"{value / 1e6:,.2f} million yuan"

    def price(self, fact: Any) -> str:
        value = self._register(fact)
        return f"{value:.3f}元" if self.lang == "zh" else f"{value:.3f} yuan"

    def iopv(self, fact: Any) -> str:
        """An IOPV, to the 4 decimals it is published with (3 would not reproduce the premium stated)."""
        value = self._register(fact)
        return f"{value:.4f}元" if self.lang == "zh" else f"{value:.4f} yuan"

    def count(self, fact: Any) -> str:
        return f"{round(self._register(fact))}"

    def date(self, day: Any) -> str:
        """A date; given a figure (e.g. the units on a period's first day) the figure is registered and its
        as_of is printed, so the date a text states is always backed by a fact of the answer."""
        if isinstance(day, Figure):
            self._register(day)
            day = day.as_of
        if isinstance(day, dt.datetime):
            day = day.date()
        return f"{day.year}年{day.month}月{day.day}日" if self.lang == "zh" else day.isoformat()


_TEMPLATES: Any = None


def templates() -> Any:
    """The offline templates' Jinja2 environment (prompts.environment()) with the `Render` filters added; each
    filter calls the `fmt` (a `Render`) the template was rendered with."""
    global _TEMPLATES
    if _TEMPLATES is None:
        import jinja2

        import prompts

        env = prompts.environment()

        def bind(name: str) -> Any:
            @jinja2.pass_context
            def apply(ctx: Any, value: Any) -> str:
                return str(getattr(ctx["fmt"], name)(value))

            return apply

        env.filters.update({name: bind(name) for name in Render.NAMES})
        _TEMPLATES = env
    return _TEMPLATES
