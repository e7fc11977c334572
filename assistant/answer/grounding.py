"""Prove every number in an answer: each must match a registered fact or appear in a cited passage.

This is the promise of the answer object ("an answer states no number that is not in `facts` or in a cited
passage") turned into a check that the answerer runs before returning and the eval suite scores.

Rules
- Numbers: a mention is backed by a fact of the same unit family when
  |abs(fact) - abs(mention)| <= half a unit of the mention's last shown decimal (in the base unit) + 1e-9
  relative. So fact 1.6021 % backs "1.60%" and "1.6%" but not "1.61%"; fact 52_660_000 元 backs
  "5266万元", "0.53亿元" and "52.66 million yuan" but not "5266万份". Families are strict: "%" only with
  "%", "pp" (个百分点, bp) only with "pp", 元 with 元 (any scale), 份 with 份; a bare number (no unit) may be
  backed by a fact of any unit. Signs are ignored on both sides ("下跌0.04个百分点" vs fact -0.04).
- Or by a cited passage that states the same amount in the same unit family (same tolerance), e.g. the
  article says "5266万元" and the answer "52.66 million yuan".
- Dates: backed by a fact's `as_of`, by `data_dates` (trade date, as-of, period start ...) or by a date stated
  in a cited passage; only the parts the answer shows are compared ("1月9日" needs some candidate on 9 Jan).
- Counts ("前十大", "top 10", "3只"): like numbers, backed by a count fact (unit "count"/只/家/days...) or a
  passage stating the same count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from assistant.answer.numbers import Mention, Precision, extract, parse_unit

_PARTS: dict[Precision, tuple[str, ...]] = {
    "ymd": ("year", "month", "day"),
    "md": ("month", "day"),
    "ym": ("year", "month"),
    "m": ("month",),
    "y": ("year",),
}


DateLike = dt.date | dt.datetime | str


class FactLike(Protocol):
    """The check's one input shape: the public `schema.Fact` of an answer (as_of an ISO string) or the internal
    `Figure` record a tool returned (as_of a date), so either can be checked without a conversion."""

    @property
    def name(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def unit(self) -> str: ...
    @property
    def as_of(self) -> DateLike: ...


@dataclass
class GroundingReport:
    """What backed each mention, and what nothing backed. `ok` is what the answerer gates on."""

    supported: list[tuple[Mention, str]] = field(default_factory=list)
    unsupported: list[Mention] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unsupported

    @property
    def total(self) -> int:
        return len(self.supported) + len(self.unsupported)

    @property
    def unsupported_rate(self) -> float:
        return len(self.unsupported) / self.total if self.total else 0.0


@dataclass(frozen=True)
class _Amount:
    family: str | None
    base: float
    label: str


def _fact_amount(fact: FactLike) -> _Amount:
    parsed = parse_unit(fact.unit)
    family, scale = parsed if parsed else (fact.unit, 1.0)
    label = f"fact {fact.name}[{fact.subject}] = {fact.value} {fact.unit}"
    return _Amount(family, abs(fact.value) * scale, label)


def _to_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _amount_matches(mention: Mention, amount: _Amount) -> bool:
    if mention.unit is not None and amount.family != mention.unit:
        return False
    if amount.family == "date":
        return False
    return abs(amount.base - mention.base) <= mention.tolerance + 1e-9 * max(1.0, abs(amount.base))


def _date_matches(mention: Mention, candidate: dt.date, precision: Precision) -> bool:
    shown, known = _PARTS[mention.precision or "ymd"], _PARTS[precision]
    return all(part in known and getattr(candidate, part) == getattr(mention.value, part) for part in shown)


def check(
    text: str,
    facts: Iterable[FactLike],
    passages: Sequence[str] = (),
    data_dates: Iterable[DateLike] = (),
    *,
    year: int | None = None,
) -> GroundingReport:
    """Sort every number and date in `text` into supported (with what backed it) and unsupported.

    `passages` are the quotes of the passages the answer cites (not everything retrieved: an uncited
    passage backs nothing). `year` completes yearless dates ("1月9日"); by default the latest data date.
    """
    facts = list(facts)
    dates: list[tuple[dt.date, Precision, str]] = []
    for fact in facts:
        if (d := _to_date(fact.as_of)) is not None:
            dates.append((d, "ymd", f"as_of of fact {fact.name}[{fact.subject}]"))
    for raw in data_dates:
        if (d := _to_date(raw)) is not None:
            dates.append((d, "ymd", "data date"))
    if year is None and dates:
        year = max(d for d, _, _ in dates).year

    amounts = [_fact_amount(f) for f in facts]
    for i, passage in enumerate(passages):
        for m in extract(passage, year=year):
            label = f"passage {i + 1}: {m.surface!r}"
            if m.is_date:
                dates.append((m.value, m.precision or "ymd", label))  # type: ignore[arg-type]
            else:
                amounts.append(_Amount(m.unit, m.base, label))

    report = GroundingReport()
    for mention in extract(text, year=year):
        if mention.is_date:
            backing = next((label for d, p, label in dates if _date_matches(mention, d, p)), None)
        else:
            backing = next((a.label for a in amounts if _amount_matches(mention, a)), None)
        if backing is None:
            report.unsupported.append(mention)
        else:
            report.supported.append((mention, backing))
    return report


def unsupported_rate(
    text: str,
    facts: Iterable[FactLike],
    passages: Sequence[str] = (),
    data_dates: Iterable[DateLike] = (),
    *,
    year: int | None = None,
) -> float:
    """Share of number/date mentions in `text` that nothing backs (0.0 when the text states none)."""
    return check(text, facts, passages, data_dates, year=year).unsupported_rate
