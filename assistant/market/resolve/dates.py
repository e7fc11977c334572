"""Which trading day, or which period, a question is about.

"Today" is the data's trade date (a snapshot's `trade_date`, or the live calendar's today), never the
wall clock, so replaying an old snapshot answers as if on that day. A phrase names a calendar day
(`requested`); the day used (`date`) is the last trading day on or before it, and whenever the two differ
`note` says why in a sentence the answerer can repeat (in the question's language).
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from assistant.market.resolve.calendar import TradingCalendar
from assistant.market.resolve.language import Language, detect_language
from assistant.market.resolve.numerals import cn_int

Reason = Literal["non_trading_day", "no_data", "future", "invalid"]


@dataclass(frozen=True)
class ResolvedDate:
    """The trading day to use. `date` is None only when nothing may be used (future or invalid date)."""

    date: dt.date | None
    requested: dt.date | None  # the calendar day the phrase named; None when the text names no day
    phrase: str | None  # the text that named it, e.g. "上周五", "Jan 8"
    note: str | None = None  # why `date` differs from `requested`, or why there is no date
    reason: Reason | None = None  # the same, for code


@dataclass(frozen=True)
class Period:
    """A change is measured from `start` to `end`: value(end) - value(start), both trading days.

    `start` is the baseline day, so "this month" starts on the previous month's last trading day and the
    change covers every session of the month so far.
    """

    start: dt.date
    end: dt.date
    phrase: str
    note: str | None = None


# ---------------------------------------------------------------------------------------------- vocabulary

_ZH_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_EN_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_ZH_WEEKDAY_NAMES = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
_MONTHS = {m.lower(): i for i, m in enumerate(_cal.month_name) if m} | {
    m.lower(): i for i, m in enumerate(_cal.month_abbr) if m
}
_MONTHS["sept"] = 9
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

_I = re.IGNORECASE

# Explicit dates: (pattern, groups -> (year|None, month, day)). Yearless dates take the trade date's year.
_EXPLICIT: list[tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[int | None, int, int]]]] = [
    (
        re.compile(r"(?<!\d)((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?"),
        lambda m: _ymd(m, 1, 2, 3),
    ),
    (re.compile(r"(?<![\d年])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"), lambda m: (None, int(m[1]), int(m[2]))),
    (
        re.compile(r"(?<![\d.])((?:19|20)\d\d)([-/.])(\d{1,2})\2(\d{1,2})(?![\d.])"),
        lambda m: _ymd(m, 1, 3, 4),
    ),
    (re.compile(r"(?<!\d)((?:19|20)\d\d)(\d\d)(\d\d)(?!\d)"), lambda m: _ymd(m, 1, 2, 3)),
    (
        re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s*((?:19|20)\d\d)\b)?", _I),
        lambda m: (int(m[3]) if m[3] else None, _MONTHS[m[1].lower()], int(m[2])),
    ),
    (
        re.compile(
            rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\b\.?(?:,?\s*((?:19|20)\d\d)\b)?", _I
        ),
        lambda m: (int(m[3]) if m[3] else None, _MONTHS[m[2].lower()], int(m[1])),
    ),
]


def _ymd(m: re.Match[str], y: int, mo: int, d: int) -> tuple[int | None, int, int]:
    return int(m[y]), int(m[mo]), int(m[d])


_ZH_RELATIVE_WEEKDAY = re.compile(r"(上上|上|本|这|下)?(?:个)?(?:周|星期|礼拜)([一二三四五六日天])")
_EN_RELATIVE_WEEKDAY = re.compile(rf"\b(?:(last|this|next|on|previous)\s+)?({'|'.join(_EN_WEEKDAYS)})\b", _I)
_RELATIVE_DAY: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?:the\s+)?day\s+before\s+yesterday\b", _I), "-2"),
    (re.compile(r"大前天"), "-3"),
    (re.compile(r"前天"), "-2"),
    (re.compile(r"\byesterday\b|昨天|昨日|昨儿"), "-1"),
    (re.compile(r"\btoday\b|今天|今日|今儿|当天|当日"), "0"),
    (
        re.compile(
            r"\b(?:the\s+)?(?:previous|prior|last|preceding)\s+(?:trading\s+day|session)\b"
            r"|上一?个?交易日|前一个?交易日",
            _I,
        ),
        "prev",
    ),
]


# ---------------------------------------------------------------------------------------------- dates


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    phrase: str
    day: dt.date | None  # None: the phrase is a date that does not exist (2026-02-30)


def _explicit_dates(text: str, trade_date: dt.date) -> Iterator[_Hit]:
    for pattern, parts in _EXPLICIT:
        for m in pattern.finditer(text):
            year, month, day = parts(m)
            try:
                d = dt.date(year or trade_date.year, month, day)
                if year is None and d > trade_date:  # "12月31日" asked in January means last December
                    d = d.replace(year=d.year - 1)
            except ValueError:
                d = None
            yield _Hit(m.start(), m.end(), m[0], d)


def _relative_dates(text: str, trade_date: dt.date, cal: TradingCalendar) -> Iterator[_Hit]:
    for pattern, what in _RELATIVE_DAY:
        for m in pattern.finditer(text):
            day = cal.before(trade_date) if what == "prev" else trade_date + dt.timedelta(days=int(what))
            yield _Hit(m.start(), m.end(), m[0], day)
    monday = trade_date - dt.timedelta(days=trade_date.weekday())
    for m in _ZH_RELATIVE_WEEKDAY.finditer(text):
        weekday = _ZH_WEEKDAY[m[2]]
        weeks = {"上上": -2, "上": -1, "本": 0, "这": 0, "下": 1}.get(m[1] or "")
        if weeks is None:  # bare 周五: the latest Friday on or before today
            day = trade_date - dt.timedelta(days=(trade_date.weekday() - weekday) % 7)
        else:
            day = monday + dt.timedelta(weeks=weeks, days=weekday)
        yield _Hit(m.start(), m.end(), m[0], day)
    for m in _EN_RELATIVE_WEEKDAY.finditer(text):
        weekday = _EN_WEEKDAYS.index(m[2].lower())
        which = (m[1] or "").lower()
        back = (trade_date.weekday() - weekday) % 7
        if which in ("last", "previous"):  # "last Friday" said on a Friday is a week ago
            day = trade_date - dt.timedelta(days=back or 7)
        elif which == "this":
            day = monday + dt.timedelta(days=weekday)
        elif which == "next":
            day = monday + dt.timedelta(weeks=1, days=weekday)
        else:
            day = trade_date - dt.timedelta(days=back)
        yield _Hit(m.start(), m.end(), m[0], day)


def _first(hits: Iterator[_Hit]) -> _Hit | None:
    """The earliest phrase; at the same start the longest (前天 inside 大前天 loses)."""
    return min(hits, key=lambda h: (h.start, -(h.end - h.start)), default=None)


def resolve_date(
    text: str,
    trade_date: dt.date,
    trading_days: Sequence[dt.date] = (),
    lang: Language | None = None,
) -> ResolvedDate:
    """The trading day `text` asks about, relative to `trade_date` (the data's "today").

    No date phrase: `trade_date` itself (or, if that is not a trading day, the last one before it, with a
    note). `trading_days` is the data's calendar; when empty, weekdays minus FALLBACK_HOLIDAYS stand in.
    `lang` picks the note's language (default: the text's).
    """
    lang = lang or detect_language(text)
    cal = TradingCalendar(trading_days)
    hit = _first(_merge(_explicit_dates(text, trade_date), _relative_dates(text, trade_date, cal)))
    if hit is None:
        resolved = _settle(trade_date, None, trade_date, cal, lang)
        return ResolvedDate(resolved.date, None, None, resolved.note, resolved.reason)
    if hit.day is None:
        note = f"「{hit.phrase}」不是有效日期" if lang == "zh" else f"'{hit.phrase}' is not a valid date"
        return ResolvedDate(None, None, hit.phrase, note, "invalid")
    return _settle(hit.day, hit.phrase, trade_date, cal, lang)


def _merge(*iterators: Iterator[_Hit]) -> Iterator[_Hit]:
    for it in iterators:
        yield from it


def _settle(
    requested: dt.date, phrase: str | None, trade_date: dt.date, cal: TradingCalendar, lang: str
) -> ResolvedDate:
    """Map a calendar day to the trading day to use, and say why they differ."""
    zh = lang == "zh"
    if requested > trade_date:
        note = (
            f"{requested} 晚于数据的最新日期 {trade_date}，暂无该日数据"
            if zh
            else f"{requested} is after the data's latest date {trade_date}; there is no data for it yet"
        )
        return ResolvedDate(None, requested, phrase, note, "future")
    day = cal.on_or_before(requested)
    if cal.last is not None and day > cal.last:  # a trading day by the rule, but the data stops earlier
        latest = cal.last
        note = (
            f"暂无 {requested} 的数据，使用有数据的最近交易日 {latest}"
            if zh
            else f"there is no data for {requested} yet; using the latest trading day with data, {latest}"
        )
        return ResolvedDate(latest, requested, phrase, note, "no_data")
    if day != requested:
        wd = requested.weekday()
        note = (
            f"{requested}（{_ZH_WEEKDAY_NAMES[wd]}）不是交易日，使用此前最后一个交易日 {day}"
            if zh
            else f"{requested} ({_EN_WEEKDAYS[wd].title()}) is not a trading day; using the last trading day {day}"
        )
        return ResolvedDate(day, requested, phrase, note, "non_trading_day")
    return ResolvedDate(day, requested, phrase)


# ---------------------------------------------------------------------------------------------- periods

_NUM = r"(\d{1,3}|[一二两三四五六七八九十]{1,3})"
_PERIODS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"本月|这个?月|当月|\bthis\s+month\b|\bmonth[\s-]+to[\s-]+date\b|\bmtd\b", _I),
        "month_to_date",
    ),
    (re.compile(r"上个?月|\blast\s+month\b|\bprevious\s+month\b|\bprior\s+month\b", _I), "previous_month"),
    (
        re.compile(
            r"(?:近|过去|最近)一?个?月|一个月(?:来|以来)|\b(?:the\s+)?past\s+month\b"
            r"|\b(?:over|in|during)\s+the\s+(?:last|past)\s+month\b|\bpast\s+30\s+days\b",
            _I,
        ),
        "past_month",
    ),
    (
        re.compile(
            r"本周(?![一二三四五六日天])|这一?周(?![一二三四五六日天])|\bthis\s+week\b|\bweek[\s-]+to[\s-]+date\b",
            _I,
        ),
        "week_to_date",
    ),
    (re.compile(r"上一?周(?![一二三四五六日天])|\blast\s+week\b|\bprevious\s+week\b", _I), "previous_week"),
    (
        re.compile(
            r"(?:近|过去|最近)一?(?:周|星期|个星期)|\b(?:the\s+)?past\s+week\b"
            r"|\b(?:over|in|during)\s+the\s+(?:last|past)\s+week\b|\b(?:past|last)\s+7\s+days\b",
            _I,
        ),
        "past_week",
    ),
    (
        re.compile(
            r"今年以来|年初以来|年初至今|今年|本年|\byear[\s-]+to[\s-]+date\b|\bytd\b|\bthis\s+year\b", _I
        ),
        "year_to_date",
    ),
]
_ZH_LAST_N = re.compile(rf"(?:近|过去|最近)\s*{_NUM}\s*(个交易日|交易日|日|天|周|个星期|星期|个月|月|年)")
_EN_LAST_N = re.compile(
    r"\b(?:past|last|previous)\s+(\d{1,3})\s+(trading\s+days|sessions|days|weeks|months|years)\b", _I
)
_RANGE_JOINER = re.compile(r"\s*(?:到|至|~|～|-|–|—|to|and|until|till|through|thru)\s*", _I)
_SINCE_BEFORE = re.compile(r"(?:since|from)\s*$|(?:自|从)\s*$", _I)
_SINCE_AFTER = re.compile(r"\s*(?:以来|至今|起|开始|到现在|到今天|until\s+now|to\s+date|onwards)", _I)


def resolve_period(
    text: str,
    trade_date: dt.date,
    trading_days: Sequence[dt.date] = (),
    lang: Language | None = None,
) -> Period | None:
    """The period a flows question asks about, or None when it names none (the caller uses one month).

    本月/this month = month to date (baseline: last trading day of the previous month); 近一个月/past month =
    one calendar month back; also past week / this week / last week / last month / year to date / 近N日,
    "past N days", and explicit ranges (从2025-12-09到2026-01-09, since 2025-12-09).
    """
    lang = lang or detect_language(text)
    cal = TradingCalendar(trading_days)
    end = cal.on_or_before(trade_date)
    if cal.last is not None and end > cal.last:
        end = cal.last
    found = _explicit_range(text, trade_date, cal, end, lang)
    named = _named_period(text, trade_date, cal, end)
    if found is None or (named is not None and named[0] < found[0]):
        return named[1] if named else None
    return found[1]


def _named_period(
    text: str, trade_date: dt.date, cal: TradingCalendar, end: dt.date
) -> tuple[int, Period] | None:
    best: tuple[int, Period] | None = None
    for pattern, kind in _PERIODS:
        for m in pattern.finditer(text):
            if best is None or m.start() < best[0]:
                best = (m.start(), _named(kind, m[0], trade_date, cal, end))
    for m in [*_ZH_LAST_N.finditer(text), *_EN_LAST_N.finditer(text)]:
        if best is None or m.start() <= best[0]:  # 近5日 beats the 近…日-less patterns at the same spot
            n = cn_int(m[1])
            if n:
                best = (m.start(), Period(_n_back(n, m[2].lower(), cal, end), end, m[0]))
    return best


def _named(kind: str, phrase: str, trade_date: dt.date, cal: TradingCalendar, end: dt.date) -> Period:
    if kind == "month_to_date":
        return Period(cal.before(end.replace(day=1)), end, phrase)
    if kind == "previous_month":
        first = trade_date.replace(day=1)
        return Period(cal.before(_add_months(first, -1)), cal.before(first), phrase)
    if kind == "past_month":
        return Period(cal.on_or_before(_add_months(end, -1)), end, phrase)
    monday = trade_date - dt.timedelta(days=trade_date.weekday())
    if kind == "week_to_date":
        return Period(cal.before(monday), end, phrase)
    if kind == "previous_week":
        return Period(cal.before(monday - dt.timedelta(weeks=1)), cal.before(monday), phrase)
    if kind == "past_week":
        return Period(cal.on_or_before(end - dt.timedelta(days=7)), end, phrase)
    return Period(cal.before(end.replace(month=1, day=1)), end, phrase)  # year_to_date


def _n_back(n: int, unit: str, cal: TradingCalendar, end: dt.date) -> dt.date:
    """Baseline n units before end; 日 / trading days / sessions count trading days, 天 / days calendar days."""
    if unit in ("个交易日", "交易日", "日", "sessions") or unit.startswith("trading"):
        day = end
        for _ in range(n):
            day = cal.before(day)
        return day
    if unit in ("天", "days"):
        return cal.on_or_before(end - dt.timedelta(days=n))
    if unit in ("周", "个星期", "星期", "weeks"):
        return cal.on_or_before(end - dt.timedelta(weeks=n))
    if unit in ("个月", "月", "months"):
        return cal.on_or_before(_add_months(end, -n))
    return cal.on_or_before(_add_months(end, -12 * n))  # years


def _explicit_range(
    text: str, trade_date: dt.date, cal: TradingCalendar, end: dt.date, lang: str
) -> tuple[int, Period] | None:
    """从A到B / between A and B / A~B, or since A / A以来 (to the latest day)."""
    hits = sorted((h for h in _explicit_dates(text, trade_date) if h.day), key=lambda h: h.start)
    hits = [h for i, h in enumerate(hits) if i == 0 or h.start >= hits[i - 1].end]  # drop nested matches
    for a, b in itertools.pairwise(hits):
        if _RANGE_JOINER.fullmatch(text[a.end : b.start]):
            assert a.day and b.day
            lo, hi = sorted((a.day, b.day))
            phrase = text[a.start : b.end]
            note = None
            if hi > end:
                note = (
                    f"{hi} 晚于数据的最新交易日 {end}，区间截至 {end}"
                    if lang == "zh"
                    else f"{hi} is after the data's latest trading day {end}; the period ends on {end}"
                )
            return a.start, Period(cal.on_or_before(lo), min(cal.on_or_before(hi), end), phrase, note)
    for h in hits:
        assert h.day
        before = _SINCE_BEFORE.search(text[: h.start])
        after = _SINCE_AFTER.match(text, h.end)
        if before or after:
            start = before.start() if before else h.start
            stop = after.end() if after else h.end
            return start, Period(cal.on_or_before(h.day), end, text[start:stop])
    return None


def _add_months(day: dt.date, months: int) -> dt.date:
    """Same day-of-month `months` away, clipped to the month's end (03-31 minus one month is 02-28)."""
    y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(y, m + 1, min(day.day, _cal.monthrange(y, m + 1)[1]))
