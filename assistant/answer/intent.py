"""What a question asks: intent, securities, day or period, language and, for moves, the premise's direction.

Rule-based and fast (well under a millisecond after the lexicon is built). Follow-ups ("那510500呢？",
"and what about Western Mining?", "what about yesterday?", "它的前十大权重股呢") inherit whatever they leave out
-- intent, securities, day -- from the previous turn's context (`Intent.context()`, stored by the session).

This module assembles the `Intent` and resolves follow-ups; the patterns that classify the words live in
`intent_rules.py` (re-exported here: `IntentKind`, `INTENTS`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from assistant.answer.intent_rules import (
    FOLLOWUP,
    FUTURE,
    INTENTS,
    Direction,
    IntentKind,
    classify,
    premise,
    top_n,
)
from assistant.market.resolve import (
    Entity,
    Lexicon,
    Period,
    ResolvedDate,
    detect_language,
    resolve_date,
    resolve_period,
)


@dataclass(frozen=True)
class Intent:
    """The understood question. `etfs`, `stocks`, `indices` are codes in order of mention."""

    question: str
    kind: IntentKind
    language: Literal["zh", "en"]
    etfs: tuple[str, ...] = ()
    stocks: tuple[str, ...] = ()
    indices: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()  # 6-digit codes nobody knows
    entities: tuple[Entity, ...] = ()
    date: dt.date | None = None  # the trading day to use; None when no day may be used (see date_note)
    requested: dt.date | None = None
    date_phrase: str | None = None
    date_note: str | None = None
    date_reason: str | None = None
    period: Period | None = None
    premise: Direction | None = None
    top_n: int | None = None
    explicit: bool = False  # the intent was stated, not defaulted
    followup: bool = False
    inherited: tuple[str, ...] = field(default_factory=tuple)  # which parts came from the previous turn

    @property
    def subjects(self) -> tuple[str, ...]:
        return self.etfs + self.indices + self.stocks

    def context(self) -> dict[str, Any]:
        """What a follow-up may inherit (JSON-able; stored by the SessionStore)."""
        return {
            "intent": self.kind,
            "language": self.language,
            "etfs": list(self.etfs),
            "stocks": list(self.stocks),
            "indices": list(self.indices),
            "unknown": list(self.unknown),
            "date": self.date.isoformat() if self.date else None,
            "date_phrase": self.date_phrase,
            "premise": self.premise,
            "top_n": self.top_n,
            "period": (
                {
                    "start": self.period.start.isoformat(),
                    "end": self.period.end.isoformat(),
                    "phrase": self.period.phrase,
                }
                if self.period
                else None
            ),
            "question": self.question,
        }


def understand(
    question: str,
    lexicon: Lexicon,
    trade_date: dt.date,
    trading_days: Sequence[dt.date] = (),
    context: Mapping[str, Any] | None = None,
    universe: Mapping[str, str] | None = None,
) -> Intent:
    """Parse `question`; with the previous turn's `context`, resolve it as a follow-up where it leaves gaps."""
    text = question.strip()
    lang = detect_language(text)
    entities = tuple(lexicon.resolve(text))
    etfs = _unique(e.code for e in entities if e.kind == "etf")
    stocks = _unique(e.code for e in entities if e.kind == "stock")
    indices = _unique(e.code for e in entities if e.kind == "index")
    unknown = _unique(e.code for e in entities if e.kind == "unknown")
    # An index named with no ETF: answer about the ETF of the data that tracks it, when there is one.
    if not etfs and indices and universe:
        etfs = _unique(etf for idx in indices for etf, i in universe.items() if i == idx)

    resolved: ResolvedDate = resolve_date(text, trade_date, trading_days, lang)
    period = resolve_period(text, trade_date, trading_days, lang)
    # An ETF and the index it tracks are one subject ("159919相对沪深300跟踪偏差多少"), not a comparison.
    tracked = {universe.get(e) for e in etfs} if universe else set()
    own = [i for i in indices if i not in tracked]
    kind, explicit = classify(text, n_securities=len(etfs) + len(unknown) + len(own))
    direction = premise(text) if kind in ("move_explanation", "comparison", "quote") else None
    wanted = top_n(text)

    intent = Intent(
        question=text,
        kind=kind,
        language=lang,
        etfs=etfs,
        stocks=stocks,
        indices=indices,
        unknown=unknown,
        entities=entities,
        date=resolved.date,
        requested=resolved.requested,
        date_phrase=resolved.phrase,
        date_note=resolved.note,
        date_reason=resolved.reason,
        period=period,
        premise=direction,
        top_n=wanted,
        explicit=explicit,
    )
    if context:
        intent = _follow(intent, context, trade_date, trading_days)
    if FUTURE.search(text):
        note = (
            f"数据只到{trade_date.isoformat()}，无法回答关于未来的问题，也不做预测。"
            if lang == "zh"
            else f"The data ends on {trade_date.isoformat()}; questions about the future cannot be answered, "
            "and no forecast is made."
        )
        intent = replace(intent, date=None, date_note=note, date_reason="future")
    return intent


def _follow(
    intent: Intent, ctx: Mapping[str, Any], trade_date: dt.date, trading_days: Sequence[dt.date]
) -> Intent:
    """Fill the gaps of a follow-up from the previous turn."""
    has_security = bool(intent.etfs or intent.stocks or intent.indices or intent.unknown)
    short = len(intent.question) <= 40
    looks_followup = (
        bool(FOLLOWUP.search(intent.question))
        or (short and not has_security)
        or (short and not intent.explicit)
    )
    if not looks_followup:
        return intent
    inherited: list[str] = []
    updates: dict[str, Any] = {"followup": True}
    prev_kind = ctx.get("intent")
    if not intent.explicit and prev_kind in INTENTS and prev_kind != "unknown":
        updates["kind"] = prev_kind
        inherited.append("intent")
        if ctx.get("premise") and intent.premise is None:
            updates["premise"] = ctx.get("premise")
        if ctx.get("top_n") and intent.top_n is None:
            updates["top_n"] = ctx.get("top_n")
    if not has_security:
        updates["etfs"] = tuple(ctx.get("etfs") or ())
        updates["stocks"] = tuple(ctx.get("stocks") or ())
        updates["indices"] = tuple(ctx.get("indices") or ())
        updates["unknown"] = tuple(ctx.get("unknown") or ())
        inherited.append("securities")
    elif intent.stocks and not intent.etfs and ctx.get("etfs"):
        updates["etfs"] = tuple(ctx.get("etfs") or ())  # "and Western Mining?": in the ETF talked about
        inherited.append("etf")
    if intent.date_phrase is None and intent.period is None and ctx.get("date"):
        try:
            day = dt.date.fromisoformat(str(ctx["date"]))
        except ValueError:
            day = None
        if day is not None and day <= trade_date:
            updates.update(date=day, requested=day, date_phrase=ctx.get("date_phrase"))
            inherited.append("date")
    if intent.period is None and ctx.get("period") and intent.date_phrase is None:
        p = ctx["period"]
        try:
            updates["period"] = Period(
                dt.date.fromisoformat(p["start"]), dt.date.fromisoformat(p["end"]), str(p.get("phrase") or "")
            )
            inherited.append("period")
        except (KeyError, ValueError, TypeError):
            pass
    updates["inherited"] = tuple(inherited)
    return replace(intent, **updates)


def _unique(codes: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(codes))


__all__ = ["INTENTS", "Intent", "IntentKind", "understand"]
