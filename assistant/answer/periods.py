"""Period binding for the sentence check: a number must be a figure of the period its sentence names.

The 1.5B wrote "560500在这个月上涨了1.60%" from a day's +1.60%: subject, measure, sign and unit all matched.
So each fact gets a period and each number the period its sentence names, and they must agree:

- **A fact's period** comes from its name. Day figures (returns, contributions, premium, `_1d` flows) are
  of their `as_of` day. Span figures (`*_period_*`, `*_since_YYYYMMDD*`, units/scale changes without `_1d`)
  run from a start close to `as_of`; the start is in the name (`_since_`) or is the `as_of` of the companion
  level fact the analysis registers with it (the first close of a period return, the starting units of a
  flows change). Levels (closes, units outstanding, weights, sizes) have no period and bind to none.
- **A number's period** is the period cue nearest before it in its sentence (else the first after it in its
  clause): day words ("今天", "当日", "today", "on the day", a single date such as "在2026年1月9日"),
  named spans ("这个月", "本周", "今年以来", "this month", "year to date"), lengths ("过去5天", "近一个月",
  "past 5 trading days", "over the past month"), explicit ranges ("2025年12月31日至2026年1月9日",
  "from … to …", "since …"), and "同期"/"same period"/"累计" (some span). No cue: the number is not bound
  to a period (the subject, measure and sign checks still apply).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.analysis.figures import FactName
from assistant.answer.check_words import measure_of
from assistant.answer.grounding import FactLike
from assistant.answer.numbers import Mention, extract

Fits = Callable[[dt.date, dt.date], bool]


@dataclass(frozen=True)
class Period:
    """A fact's period: one day (`start` None), or a span from the `start` close to the `end` close."""

    kind: str  # "day" | "span"
    start: dt.date | None
    end: dt.date


@dataclass(frozen=True)
class Cue:
    """What a sentence says about the period of the numbers after it."""

    kind: str  # "day" | "span"
    label: str
    start: int
    end: int
    day: dt.date | None = None  # a named day
    fits: Fits | None = None  # for spans: does (start, end) fit the words?
    session: dt.date | None = None  # a range of one session ("1月8日至1月9日"): also that day's figures


_N = r"(\d{1,3}|[一二两三四五六七八九十]+|one|two|three|five|seven|ten|twenty|thirty)"
_NUMS = {"one": 1, "two": 2, "three": 3, "five": 5, "seven": 7, "ten": 10, "twenty": 20, "thirty": 30}
_CN = dict(zip("一二两三四五六七八九", (1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))


def _count(raw: str) -> int:
    if raw.isdigit():
        return int(raw)
    if raw.lower() in _NUMS:
        return _NUMS[raw.lower()]
    tens, _, ones = raw.partition("十")
    if "十" not in raw:
        return _CN.get(raw, 1)
    return (_CN.get(tens, 1) if tens else 1) * 10 + (_CN.get(ones, 0) if ones else 0)


def _month_to_date(start: dt.date, end: dt.date) -> bool:
    return (start.year, start.month) == (end.year, end.month) or 0 <= (end.replace(day=1) - start).days <= 10


def _year_to_date(start: dt.date, end: dt.date) -> bool:
    return start.year == end.year or (start.year == end.year - 1 and start.month == 12 and start.day >= 20)


def _length(lo: int, hi: int) -> Fits:
    return lambda start, end: lo <= (end - start).days <= hi


_WORDS: list[tuple[re.Pattern[str], str, Fits | None]] = [
    (
        re.compile(
            r"今天|今日|当日|当天|日内|单日|\btoday\b|\bon the day\b|\bthat day\b|\bfor the day\b|\bintraday\b",
            re.I,
        ),
        "day",
        None,
    ),
    (
        re.compile(
            r"这个月|本月|当月|月初以来|月初至今|\bthis month\b|\bmonth[- ]to[- ]date\b|\bMTD\b", re.I
        ),
        "span",
        _month_to_date,
    ),
    (re.compile(r"本周|这周|这一周|\bthis week\b|\bweek[- ]to[- ]date\b", re.I), "span", _length(0, 10)),
    (
        re.compile(r"今年以来|年初以来|年初至今|今年|\bthis year\b|\byear[- ]to[- ]date\b|\bYTD\b", re.I),
        "span",
        _year_to_date,
    ),
    (
        re.compile(
            r"(?:过去|近|最近)一?个?月|\b(?:past|last) month\b|\bover the month\b|\bone[- ]month\b", re.I
        ),
        "span",
        _length(20, 40),
    ),
    (re.compile(r"(?:过去|近|最近)一?周|\b(?:past|last) week\b", re.I), "span", _length(4, 12)),
    (
        re.compile(
            r"同期|同一期间|期间|区间|累计|累积|\bsame period\b|\bover the period\b|\bcumulative\w*\b", re.I
        ),
        "span",
        None,
    ),
]
_LAST_N = re.compile(
    rf"(?:过去|近|最近)\s?{_N}\s?(?:个)?(?:交易日|天|日)|\b(?:past|last)\s{_N}\s(?:trading\s)?(?:days|sessions)\b|"
    rf"\b{_N}[- ](?:trading[- ])?day\b",
    re.I,
)
_RANGE = re.compile(r"\s*(?:收盘)?\s*(?:至|到|~|～|-|–|—|→|to|and)\s*(?:收盘)?\s*", re.I)
_SINCE_BEFORE = re.compile(r"(?:自|从|since|from)\s*$", re.I)
_SINCE_AFTER = re.compile(r"^\s*(?:收盘)?\s*(?:以来|起)")
_AS_OF = re.compile(r"(?:截至|截止|as of|as at)\s*$", re.I)


def cues(text: str) -> list[Cue]:
    """The period cues of a sentence, in order."""
    found: list[Cue] = []
    for pattern, kind, fits in _WORDS:
        found += [Cue(kind, m.group(0), *m.span(), fits=fits) for m in pattern.finditer(text)]
    for m in _LAST_N.finditer(text):
        n = _count(next(g for g in m.groups() if g))
        if n == 1:  # "最近一个交易日", "the last 1 day": the latest day
            found.append(Cue("day", m.group(0), *m.span()))
        else:
            found.append(Cue("span", m.group(0), *m.span(), fits=_length(n - 1, 2 * n + 6)))
    dates = [d for d in extract(text) if d.is_date and d.precision in ("ymd", "md")]
    joined: set[int] = set()
    for i, d in enumerate(dates):
        if i in joined or not isinstance(d.value, dt.date):
            continue
        nxt = dates[i + 1] if i + 1 < len(dates) else None
        if nxt is not None and _RANGE.fullmatch(text[d.end : nxt.start]):
            joined.add(i + 1)
            one = isinstance(nxt.value, dt.date) and 1 <= (nxt.value - d.value).days <= 4
            session = nxt.value if one and isinstance(nxt.value, dt.date) else None
            found.append(
                Cue("span", text[d.start : nxt.end], d.start, nxt.end, fits=_starts(d.value), session=session)
            )
        elif _SINCE_BEFORE.search(text[: d.start]) or _SINCE_AFTER.match(text[d.end :]):
            found.append(Cue("span", d.surface, d.start, d.end, fits=_starts(d.value)))
        elif not _AS_OF.search(text[: d.start]):
            found.append(Cue("day", d.surface, d.start, d.end, day=d.value))
    return sorted(found, key=lambda c: c.start)


def _starts(day: dt.date) -> Fits:
    return lambda start, end: start == day


def cue_for(number: Mention, found: Sequence[Cue], clause_end: int) -> Cue | None:
    """The cue nearest before the number, else the first after it within its clause."""
    before = [c for c in found if c.end <= number.start]
    if before:
        return before[-1]
    return next((c for c in found if c.start >= number.end and c.start < clause_end), None)


_LEVELS = (
    FactName.ETF_UNITS,
    FactName.ETF_SCALE_YUAN,
    FactName.ETF_CLOSE,
    FactName.INDEX_CLOSE,
    FactName.ETF_IOPV,
)


def periods_of(facts: Sequence[FactLike]) -> dict[int, Period | None]:
    """`id(fact) -> Period` (None for levels, which no period binds)."""
    out: dict[int, Period | None] = {}
    for f in facts:
        end = _date(f.as_of)
        if end is None or f.name in _LEVELS or measure_of(f.name) in ("weight", "price", None):
            out[id(f)] = None
            continue
        span = FactName.is_span(f.name)
        out[id(f)] = Period("span", _span_start(f, facts, end), end) if span else Period("day", None, end)
    return out


def fits(cue: Cue | None, period: Period | None) -> bool:
    if cue is None or period is None:
        return True
    if cue.kind == "day":
        return period.kind == "day" and (cue.day is None or cue.day == period.end)
    if period.kind != "span":
        return cue.session is not None and cue.session == period.end
    return cue.fits is None or period.start is None or cue.fits(period.start, period.end)


def _span_start(fact: FactLike, facts: Sequence[FactLike], end: dt.date) -> dt.date | None:
    since = FactName.since(fact.name)
    if since is not None:
        return since
    if "_period_" in fact.name:
        level = FactName.close("index" if FactName.about(fact.name) == "index" else "etf")
    else:
        level = FactName.ETF_UNITS
    starts = [
        d
        for g in facts
        if g.name == level and g.subject == fact.subject and (d := _date(g.as_of)) is not None and d < end
    ]
    return min(starts) if starts else None


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


__all__ = ["Cue", "Period", "cue_for", "cues", "fits", "periods_of"]
