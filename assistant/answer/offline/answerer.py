"""The offline answerer's entry: understand the question, route it to its ask family's handler, add the
resolver's notes and the source line, and ground the text (a line it cannot back is dropped and logged)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from assistant.analysis.figures import FactName, Figure
from assistant.answer.evidence import Ledger, marker
from assistant.answer.intent import Intent, understand
from assistant.answer.numbers import extract
from assistant.answer.plan import Measure, Plan, make_plan
from assistant.answer.schema import Answer
from assistant.answer.tools import Toolbox
from assistant.errors import InputError, NoRowsError, NotFoundError, UpstreamError
from assistant.market.model import origin_label

from . import comparison, docs, flows, holdings, labels, move, news, quote, ranked, refusal, returns
from .context import AskContext, Handler
from .render import Lang, Render

log = logging.getLogger(__name__)

# One handler per measure of the question plan.
ROUTES: dict[Measure, Handler] = {
    "move": move.answer,
    "day_return": returns.day_return,
    "period_return": returns.period,
    "tracking": returns.tracking,
    "index_return": returns.index_return,
    "quote": quote.answer,
    "premium": quote.answer,
    "flows": flows.answer,
    "weights": holdings.answer,
    "fund_fact": docs.answer,
    "methodology": docs.answer,
    "news": news.answer,
    "comparison": comparison.answer,
    "rank": ranked.rank,
    "industry_of": ranked.industry_of,
    "advice": refusal.advice,
    "forecast": refusal.forecast,
    "off_topic": refusal.off_topic,
    "greeting": refusal.greeting,
}
# Measures answered from documents and news, which need no code of the data (an unknown code is no obstacle),
# and those that need no day at all.
_FROM_TEXT: frozenset[str] = frozenset({"methodology", "fund_fact", "news"})
_DAYLESS: frozenset[str] = frozenset({"advice", "forecast", "off_topic", "greeting"})


class OfflineAnswerer:
    """`answer(question, context)` -> (Answer, context for the next turn)."""

    def __init__(self, toolbox: Toolbox) -> None:
        self.tb = toolbox

    def understand(self, question: str, context: dict[str, Any] | None = None) -> Intent:
        md = self.tb.md
        return understand(
            question,
            self.tb.lexicon,
            md.info.trade_date,
            self.tb.trading_days(),
            context,
            universe=md.universe(),
        )

    def plan(self, question: str, context: dict[str, Any] | None = None) -> Plan:
        md = self.tb.md
        return make_plan(
            question,
            self.tb.lexicon,
            md.info.trade_date,
            self.tb.trading_days(),
            context,
            universe=md.universe(),
        )

    def answer(self, question: str, context: dict[str, Any] | None = None) -> tuple[Answer, dict[str, Any]]:
        if not question or not question.strip():
            raise InputError("The question is empty.")
        plan = self.plan(question, context)
        ledger = Ledger(self.tb.md.info)
        fmt = Render(ledger, plan.language)
        shown: dict[str, list[str]] = {}
        sections: list[str] = []
        failures = 0
        for ask in plan.asks:  # one short section per ask, in the order asked
            ctx = AskContext(ask, self.tb, ledger, fmt, shown)
            try:
                sections.append(self._dispatch(ctx).rstrip())
            except (NotFoundError, InputError) as err:
                sections.append(self._no_data(ctx, self._reason(ctx, err)))
                failures += 1
            except UpstreamError as err:
                sections.append(self._no_data(ctx, str(err), upstream=True))
                failures += 1
        if plan.typo is not None:  # said aloud, backed by a fact: the code as typed
            typed, code = plan.typo
            as_typed = Figure(
                FactName.CODE_AS_TYPED, code, float(typed), "code", self.tb.md.info.trade_date, "resolver"
            )
            label = labels.label(self.tb, code, plan.language)
            _after_lead(sections, _typo_note(plan.language, fmt.count(as_typed).zfill(len(typed)), label))
        first = plan.first.intent
        if (
            first.date_reason == "non_trading_day"
            and first.requested
            and first.date
            and failures < len(plan.asks)
        ):
            # Said right after the direct answer, never silently: the day asked had no trading.
            _after_lead(sections, _shift_note(plan.language, first.requested, first.date))
        body = "\n\n".join(sections)
        text = body.rstrip() + "\n\n" + self._source_line(ledger, plan.language)
        # Ground exactly as a reader (and the eval suite) can check: facts, cited passages (their quotes and
        # publication dates), the data's dates and dates the question itself states -- nothing else.
        asked = tuple(m.value for m in extract(question, year=self.tb.md.info.trade_date.year) if m.is_date)
        text = self._ground(ledger, text, asked)
        if not [line for line in text.split("\n")[:-1] if line.strip()]:  # never blank: say plainly why
            text = _UNBACKED[plan.language] + "\n\n" + text.strip()
        answer = ledger.build(question.strip(), text, plan.language)
        return answer, plan.context(shown)

    def _dispatch(self, ctx: AskContext) -> str:
        intent, measure = ctx.intent, ctx.ask.measure
        if measure in _DAYLESS:
            return ROUTES[measure](ctx)
        if intent.date is None:
            raise NotFoundError(intent.date_note or "No trading day with data matches that date.")
        if measure not in _FROM_TEXT and intent.unknown and not intent.etfs and not intent.stocks:
            raise NotFoundError(
                ctx.t(
                    f"没有代码 {intent.unknown[0]} 的数据：它不在本数据覆盖的ETF、指数或成分股中。",
                    f"There is no data for code {intent.unknown[0]}: it is not an ETF, index or "
                    "constituent covered by this data.",
                )
            )
        return ROUTES[measure](ctx)

    def _reason(self, ctx: AskContext, err: Exception) -> str:
        """The no-data reason a reader can use: the day asked about and why it has no data, never a date the
        data cannot back (the 'last trading day before a holiday' may itself lie outside the data)."""
        intent, last = ctx.intent, self.tb.md.info.trade_date.isoformat()
        msg = str(err)
        if intent.date_reason == "non_trading_day" and intent.requested is not None:
            return ctx.t(
                f"{intent.requested.isoformat()} 不是交易日，"
                f"本数据（截至 {last}）也没有此前最近一个交易日的行情。",
                f"{intent.requested.isoformat()} is not a trading day, and this data (up to {last}) has "
                "no quotes for the trading day before it.",
            )
        if _no_rows(err) and intent.date is not None:
            return ctx.t(
                f"本数据没有所问日期的行情（数据截至 {last}）。",
                f"this data has no quotes for the day asked about (it runs up to {last}).",
            )
        return msg

    @staticmethod
    def _no_data(ctx: AskContext, reason: str, upstream: bool = False) -> str:
        if upstream:
            return ctx.t(
                f"数据源暂时不可用，无法回答：{reason}",
                f"A data source is unavailable, so this cannot be answered now: {reason}",
            )
        return ctx.t(f"**没有数据**：{reason}", f"**No data**: {reason}")

    def _source_line(self, ledger: Ledger, lang: Lang) -> str:
        """'Source: sample data, as of …; AKShare frames: …' -- the origin and as-of time of every answer."""
        info = self.tb.md.info
        when = info.as_of.strftime("%Y-%m-%d %H:%M")
        tz = info.as_of.strftime("%z")
        tz = f"{tz[:3]}:{tz[3:]}" if tz else ""
        frames: list[str] = []
        for fact in ledger.facts:
            for part in fact.source.split("+"):
                part = part.strip()
                if part and part not in frames and part not in ("attribution", "resolver"):
                    frames.append(part)
        cited = ("、" if lang == "zh" else ", ").join(
            f"{f}{marker(f)}" for f in frames if _registered(ledger, f)
        )
        origin = origin_label(info.origin, lang)
        if lang == "zh":
            line = f"数据来源：{origin}，截至 {when}（{tz}）"
            return line + (f"；AKShare 数据：{cited}。" if cited else "。")
        line = f"Source: {origin}, as of {when} {tz}"
        return line + (f"; AKShare frames: {cited}." if cited else ".")

    @staticmethod
    def _ground(ledger: Ledger, text: str, extra: tuple[Any, ...]) -> str:
        report = ledger.check(text, extra)
        if report.ok:
            return text
        bad = {m.surface for m in report.unsupported}
        log.warning("offline answer: dropping lines with unsupported numbers %s", sorted(bad))
        kept = [line for line in text.split("\n") if not ledger.check(line, extra).unsupported]
        return "\n".join(kept)


# When the grounding check could back no line of the body (the source line alone would be left).
_UNBACKED = {
    "zh": "**无法回答**：本数据中没有能支持这个回答的数字，因此不作回答，也不做推测。",
    "en": "**Cannot answer**: this data holds no figures that back an answer to this, so none is given and "
    "nothing is guessed.",
}
_WEEKDAYS = {
    "zh": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}


def _after_lead(sections: list[str], note: str) -> None:
    """Put a resolver's or calendar's note right after the answer's first paragraph (the direct answer), so a
    long answer cannot bury it at its end."""
    lead, _, rest = sections[0].partition("\n\n") if sections else ("", "", "")
    if not sections:
        sections.append(note)
        return
    sections[0] = lead + "\n\n" + note + ("\n\n" + rest if rest.strip() else "")


def _typo_note(lang: Lang, typed: str, label: str) -> str:
    if lang == "zh":
        return f"注：把“{typed}”读作{label}。"
    return f"Note: read {typed} as {label}."


def _shift_note(lang: Lang, requested: dt.date, used: dt.date) -> str:
    """The calendar's note on a day without trading (both dates are backed: the question states one, the
    answer's facts the other)."""
    weekday = _WEEKDAYS[lang][requested.weekday()]
    if lang == "zh":
        return f"注：{requested.isoformat()}（{weekday}）A股不开市，以上是此前最后一个交易日 {used.isoformat()} 的数据。"
    return (
        f"Note: the market was closed on {requested.isoformat()} ({weekday}); the figures above are for the "
        f"last trading day before it, {used.isoformat()}."
    )


def _registered(ledger: Ledger, cid: str) -> bool:
    try:
        ledger.cite(cid)
        return True
    except KeyError:
        return False


def _no_rows(err: BaseException) -> bool:
    """The data has no rows for the arguments (`NoRowsError`, possibly wrapped): known by type, not by message."""
    chain: list[BaseException] = []
    link: BaseException | None = err
    while link is not None and link not in chain:
        if isinstance(link, NoRowsError):
            return True
        chain.append(link)
        link = link.__cause__ or link.__context__
    return False
