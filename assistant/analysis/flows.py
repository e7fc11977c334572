"""ETF creations/redemptions seen through units outstanding (份), over the day and over a period. Pure.

Conventions (stated in every figure's note):
- Units come from the exchange's scale frame (fund_etf_scale_sse / fund_scale_daily_szse), in 份.
- Scale on a date = units on that date × the ETF's unadjusted close on that date (fund_etf_hist_em), in 元.
  When the bars lack that date, the nearest earlier close is used and said so. Scale change therefore mixes
  flows (units) and price; the units change alone is the flow.
- The period start is the last date with recorded units on or before T minus `period_months` calendar
  months (day clamped to the month's end); if there is none, the earliest recorded date, with a note.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from assistant.analysis.figures import FactName, Figure, period_tag
from assistant.analysis.prices import ETF_SOURCE, close_on_or_before, closes, to_date
from assistant.errors import NotFoundError

UNITS_SOURCE_SSE = "fund_etf_scale_sse"
UNITS_SOURCE_SZSE = "fund_scale_daily_szse"


def units_source_for(etf: str) -> str:
    """The units frame for an ETF code: SSE for 5xxxxx, SZSE otherwise (as the call plan records them)."""
    return UNITS_SOURCE_SSE if etf.startswith("5") else UNITS_SOURCE_SZSE


def minus_months(day: dt.date, months: int) -> dt.date:
    """`day` moved back by calendar months, the day clamped to the target month's length (03-31 → 02-28)."""
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


UNITS_JUMP_RATIO = 100.0
"""Units outstanding change through creations and redemptions, never by two orders of magnitude between two
dates: such a jump is a unit mix-up (万份 vs 份) or a bad value (a x1000 row gave "-100.00%, net redemptions of
4,999,994.80亿份" without a caveat)."""


def units_jump_warning(
    etf: str, start: dt.date, units_start: float, end: dt.date, units_end: float
) -> str | None:
    """A warning when the units at the two ends of a change differ by UNITS_JUMP_RATIO or more, else None."""
    if units_start <= 0 or units_end <= 0:
        return None
    ratio = max(units_start / units_end, units_end / units_start)
    if ratio < UNITS_JUMP_RATIO:
        return None
    return (
        f"Units outstanding of {etf} go from {units_start:,.0f} on {start} to "
        f"{units_end:,.0f} on {end} (x{ratio:,.0f}): units do not change by orders of "
        "magnitude, so the units data is likely in different units (万份 vs 份) or wrong, and this change is not "
        "reliable."
    )


def units_series(units: pd.DataFrame) -> pd.Series:
    """Units (份) indexed by dt.date, ascending, missing values dropped (UNIT_COLUMNS: date, units)."""
    if units is None or units.empty:
        return pd.Series([], dtype="float64")
    values = pd.to_numeric(units["units"], errors="coerce").astype("float64").to_numpy()
    series = pd.Series(values, index=[to_date(d) for d in units["date"]], dtype="float64").dropna()
    series = series[~series.index.duplicated(keep="last")]
    return series.sort_index()


@dataclass(frozen=True)
class UnitsChange:
    """Units and scale at two dates and the change between them."""

    start_date: dt.date
    end_date: dt.date
    units_start: float
    units_end: float
    change: float  # 份
    change_pct: float | None  # None when units_start is 0
    close_start: float | None  # 元/份, None when no close on/before start_date
    close_start_date: dt.date | None
    close_end: float | None
    close_end_date: dt.date | None
    scale_start_yuan: float | None
    scale_end_yuan: float | None
    scale_change_yuan: float | None


@dataclass(frozen=True)
class Flows:
    """Units change of one ETF over the day (T vs previous trading day) and over a period ending at T."""

    etf: str
    trade_date: dt.date
    units_date: dt.date  # latest units on or before T (== T unless T's units are not recorded)
    units: float
    day: UnitsChange | None
    period: UnitsChange | None
    period_months: int
    period_target_date: dt.date  # T minus period_months; the period starts on the last units date <= this
    units_source: str
    bars_source: str = ETF_SOURCE
    notes: tuple[str, ...] = field(default_factory=tuple)

    def figures(self) -> list[Figure]:
        """etf_units at each date used, and *_change figures: `_1d` for the day, unsuffixed for the period."""
        scale_src = f"{self.units_source}+{self.bars_source}"
        out = [Figure(FactName.ETF_UNITS, self.etf, self.units, "份", self.units_date, self.units_source)]
        seen = {self.units_date}
        spans = ((self.day, FactName.DAY, "day"), (self.period, "", f"{self.period_months}-month"))
        for change, suffix, label in spans:
            if change is None:
                continue
            if change.start_date not in seen:
                seen.add(change.start_date)
                out.append(
                    Figure(
                        FactName.ETF_UNITS,
                        self.etf,
                        change.units_start,
                        "份",
                        change.start_date,
                        self.units_source,
                    )
                )
            span = f"{label} change {change.start_date} → {change.end_date}"
            out.append(
                Figure(
                    FactName.units_change(suffix),
                    self.etf,
                    change.change,
                    "份",
                    change.end_date,
                    self.units_source,
                    span,
                )
            )
            if change.change_pct is not None:
                out.append(
                    Figure(
                        FactName.units_change_pct(suffix),
                        self.etf,
                        change.change_pct,
                        "%",
                        change.end_date,
                        self.units_source,
                        span,
                    )
                )
            if change.scale_change_yuan is not None:
                out.append(
                    Figure(
                        FactName.scale_change_yuan(suffix),
                        self.etf,
                        change.scale_change_yuan,
                        "元",
                        change.end_date,
                        scale_src,
                        f"{span}; scale = units × close "
                        f"(closes {change.close_start_date} and {change.close_end_date})",
                    )
                )
        if self.period is not None and self.period.scale_end_yuan is not None:
            out.append(
                Figure(
                    FactName.ETF_SCALE_YUAN,
                    self.etf,
                    self.period.scale_end_yuan,
                    "元",
                    self.units_date,
                    scale_src,
                    f"units × close {self.period.close_end_date}",
                )
            )
        return out


def compute_flows(
    units: pd.DataFrame,
    etf_bars: pd.DataFrame,
    etf: str,
    trade_date: dt.date,
    *,
    prev_date: dt.date | None = None,
    period_months: int = 1,
    units_source: str | None = None,
    bars_source: str = ETF_SOURCE,
) -> Flows:
    """Day and period units/scale changes of `etf` ending at `trade_date`.

    `prev_date` is the previous trading day (from the index or ETF bars): the day change needs units
    recorded exactly then; without it, the previous recorded units date is used and noted. Raises
    NotFoundError when no units are recorded on or before `trade_date`."""
    source = units_source or units_source_for(etf)
    series = units_series(units)
    series = series[[d <= trade_date for d in series.index]]
    if series.empty:
        raise NotFoundError(f"No units outstanding ({source}) recorded for {etf} on or before {trade_date}.")
    notes: list[str] = []
    end_date = series.index[-1]
    if end_date != trade_date:
        notes.append(f"Units for {trade_date} are not recorded; the latest are from {end_date}.")
    price = closes(etf_bars)
    day = _day_change(series, price, trade_date, end_date, prev_date, notes)
    target = minus_months(trade_date, period_months)
    period = _period_change(series, price, end_date, target, notes)
    return Flows(
        etf,
        trade_date,
        end_date,
        float(series[end_date]),
        day,
        period,
        period_months,
        target,
        source,
        bars_source,
        tuple(notes),
    )


def _day_change(
    series: pd.Series,
    price: pd.Series,
    trade_date: dt.date,
    end_date: dt.date,
    prev_date: dt.date | None,
    notes: list[str],
) -> UnitsChange | None:
    """T vs T−1 units; None (with a note) when either side is not recorded."""
    if end_date != trade_date:
        notes.append("Day change in units not computed: units for the trade date are missing.")
        return None
    if prev_date is None:
        earlier = [d for d in series.index if d < trade_date]
        if not earlier:
            notes.append("Day change in units not computed: no earlier units recorded.")
            return None
        prev_date = earlier[-1]
        notes.append(
            f"Previous trading day not given; the day change uses the previous recorded units ({prev_date})."
        )
    elif prev_date not in series.index:
        notes.append(f"Day change in units not computed: units for {prev_date} are not recorded.")
        return None
    return units_change(series, price, prev_date, trade_date, notes)


def _period_change(
    series: pd.Series, price: pd.Series, end_date: dt.date, target: dt.date, notes: list[str]
) -> UnitsChange | None:
    """Units change from the last units date on or before `target` (else the earliest) to `end_date`."""
    on_or_before = [d for d in series.index if d <= target]
    if on_or_before:
        start = on_or_before[-1]
    else:
        start = series.index[0]
        notes.append(
            f"No units recorded on or before {target}; the period starts at the earliest "
            f"recorded date, {start}."
        )
    if start >= end_date:
        notes.append("Period change in units not computed: only one units date is recorded.")
        return None
    return units_change(series, price, start, end_date, notes)


def units_change(
    series: pd.Series, price: pd.Series, start: dt.date, end: dt.date, notes: list[str]
) -> UnitsChange:
    """Units and scale (units × close) at `start` and `end`, and the changes (份, %, 元)."""
    u0, u1 = float(series[start]), float(series[end])
    c0 = _close_for(price, start, notes)
    c1 = _close_for(price, end, notes)
    s0 = None if c0 is None else u0 * c0[1]
    s1 = None if c1 is None else u1 * c1[1]
    return UnitsChange(
        start,
        end,
        u0,
        u1,
        u1 - u0,
        None if u0 == 0 else (u1 / u0 - 1.0) * 100.0,
        None if c0 is None else c0[1],
        None if c0 is None else c0[0],
        None if c1 is None else c1[1],
        None if c1 is None else c1[0],
        s0,
        s1,
        None if s0 is None or s1 is None else s1 - s0,
    )


def _close_for(price: pd.Series, day: dt.date, notes: list[str]) -> tuple[dt.date, float] | None:
    found = close_on_or_before(price, day)
    if found is None:
        notes.append(f"No ETF close on or before {day}: scale on that date not computed.")
    elif found[0] != day:
        note = f"No ETF close on {day}; scale uses the close of {found[0]}."
        if note not in notes:
            notes.append(note)
    return found


# ------------------------------------------------------------------------------------------ custom periods


@dataclass(frozen=True)
class CustomPeriod:
    """The flows over a period starting on a chosen day instead of `period_months` before the end."""

    change: UnitsChange
    figures: list[Figure]  # the flows' figures with the custom period's in place of the default period's
    suffix: str  # name suffix of the period's change figures: "" when it is the default period


def custom_period(
    flows: Flows, units: pd.DataFrame, etf_bars: pd.DataFrame, start: dt.date, notes: list[str]
) -> CustomPeriod:
    """Units change from the last units date on or before `start` to the flows' units date.

    When that differs from the default period, its change figures get their own names (`period_tag`): one
    answer may hold both, and the default one-month figures end on the same day. Raises NotFoundError when no
    units are recorded on or before `start`; notes a later start."""
    series = units_series(units)
    on_or_before = [d for d in series.index if d <= start]
    if not on_or_before:
        raise NotFoundError(
            f"No units recorded for {flows.etf} on or before {start}; the earliest "
            f"recorded date is {series.index[0] if len(series) else 'none'}."
        )
    first = on_or_before[-1]
    if first != start:
        notes.append(f"No units recorded on {start}; the period starts at {first}.")
    period = units_change(series, closes(etf_bars), first, flows.units_date, notes)
    figures = flows.figures()
    default = flows.period
    if default is not None and default.start_date == period.start_date:
        return CustomPeriod(period, figures, "")
    usrc = flows.units_source
    ssrc = f"{usrc}+{flows.bars_source}"
    figures = [f for f in figures if not FactName.is_period_change(f.name)]
    tag = period_tag(period.start_date)
    span = f"change {period.start_date} → {period.end_date}"
    figures.append(Figure(FactName.ETF_UNITS, flows.etf, period.units_start, "份", period.start_date, usrc))
    figures.append(
        Figure(FactName.units_change(tag), flows.etf, period.change, "份", period.end_date, usrc, span)
    )
    if period.change_pct is not None:
        figures.append(
            Figure(
                FactName.units_change_pct(tag), flows.etf, period.change_pct, "%", period.end_date, usrc, span
            )
        )
    if period.scale_change_yuan is not None:
        figures.append(
            Figure(
                FactName.scale_change_yuan(tag),
                flows.etf,
                period.scale_change_yuan,
                "元",
                period.end_date,
                ssrc,
                span,
            )
        )
    return CustomPeriod(period, figures, tag)
