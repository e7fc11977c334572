"""The one small context every ask handler receives, so handlers share no state and take no long argument
lists: the understood question, the toolbox, the answer's ledger and its formatting filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assistant.answer.evidence import Ledger
from assistant.answer.grounding import check
from assistant.answer.intent import Intent
from assistant.answer.numbers import extract
from assistant.answer.plan import Ask
from assistant.answer.tools import PassageRef, Toolbox
from assistant.errors import MarketAssistantError, NotFoundError

from . import labels
from .render import Lang, Render, templates
from .text import safe_quote


@dataclass(frozen=True)
class AskContext:
    """What a handler needs to write its part of one answer."""

    ask: Ask
    toolbox: Toolbox
    ledger: Ledger
    fmt: Render
    # The ranked lists this answer showed, by name (contributors, industries, holdings ...), for follow-ups.
    shown: dict[str, list[str]] = field(default_factory=dict)

    @property
    def intent(self) -> Intent:
        return self.ask.intent

    @property
    def lang(self) -> Lang:
        return self.intent.language

    @property
    def day(self) -> dt.date:
        """The trading day asked about (the answerer refuses a question without one before any handler runs)."""
        if self.intent.date is None:
            raise NotFoundError(self.intent.date_note or "No trading day with data matches that date.")
        return self.intent.date

    def t(self, zh: str, en: str) -> str:
        """The text in the answer's language."""
        return zh if self.lang == "zh" else en

    def render(self, template: str, **values: Any) -> str:
        """prompts/offline/<lang>/<template>.md.jinja with the formatting filters bound to this answer."""
        return str(
            templates()
            .get_template(f"offline/{self.lang}/{template}.md.jinja")
            .render(fmt=self.fmt, **values)
        )

    def label(self, code: str, kind: str = "etf", fallback: str | None = None) -> str:
        return labels.label(self.toolbox, code, self.lang, kind=kind, fallback=fallback)

    def industry(self, name: str) -> str:
        return labels.industry(name, self.lang)

    def kind_of(self, code: str) -> str:
        return labels.kind_of(self.toolbox, code)

    def cite(self, passage: PassageRef) -> str:
        """Register a passage (its text without sentences addressing a model) and return its marker."""
        p = passage
        return self.ledger.add_passage(p.id, p.kind, p.title, p.source, p.url, p.published_at, safe_quote(p))

    def safe_title(self, passage: PassageRef) -> str:
        """A passage's title when its numbers are backed by the passage itself, else its id (or nothing)."""
        title = (passage.title or passage.id).strip()
        return (
            title if check(title, [], [passage.quote]).ok else (passage.id if not extract(passage.id) else "")
        )

    def etf(self) -> str:
        """The ETF the question is about: named, holding a named stock, or the data's only one."""
        universe = self.toolbox.md.universe()
        intent = self.intent
        for code in intent.etfs:
            if code in universe:
                return code
        if intent.etfs:
            code = intent.etfs[0]
            raise NotFoundError(
                self.t(
                    f"本数据中没有ETF {code} 的行情（覆盖的ETF：{'、'.join(sorted(universe))}）。",
                    f"This data has no ETF {code} (ETFs covered: {', '.join(sorted(universe))}).",
                )
            )
        for stock in intent.stocks:
            for etf, index in universe.items():
                try:
                    if stock in set(self.toolbox.md.weights(index)["code"].astype(str)):
                        return etf
                except MarketAssistantError:
                    continue
        if len(universe) == 1 and not intent.stocks:
            return next(iter(universe))
        if (
            intent.stocks
        ):  # "How did CATL do?" over data without it: say so, never answer about another security
            names = ("、" if self.lang == "zh" else ", ").join(
                self.label(s, kind="stock") for s in intent.stocks
            )
            indices = ("、" if self.lang == "zh" else ", ").join(
                self.label(i, kind="index") for i in dict.fromkeys(universe.values())
            )
            raise NotFoundError(
                self.t(
                    f"本数据没有{names}的行情：它不是本数据覆盖的指数（{indices}）的成分股。",
                    f"This data has nothing on {names}: it is not a constituent of the indices it covers ({indices}).",
                )
            )
        raise NotFoundError(
            self.t(
                f"问题中没有识别出本数据覆盖的ETF代码或名称（例如 {'、'.join(sorted(universe))}）。",
                "No ETF covered by this data was recognised in the question (e.g. "
                f"{', '.join(sorted(universe))}).",
            )
        )


Handler = Callable[[AskContext], str]
