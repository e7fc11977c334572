"""The daily move of one security (ETF or index): close, previous close and return, and the ex-rights check
against AKShare's reported 涨跌幅."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from assistant.analysis.figures import FactName, Figure, Kind
from assistant.analysis.prices import _Closes, to_date
from assistant.errors import NotFoundError

EX_RIGHTS_TOLERANCE_PP = 0.05
"""Close-to-close return vs AKShare 涨跌幅 gap above which the day is flagged (likely ex-rights/dividend)."""


@dataclass(frozen=True)
class DailyMove:
    """Close-to-close move of one security on `date` vs its previous bar (`prev_date`)."""

    subject: str
    date: dt.date
    prev_date: dt.date
    close: float
    prev_close: float
    return_pct: float
    source: str
    reported_pct_change: float | None = None  # the frame's own 涨跌幅 when present, for cross-checks

    def figures(self, kind: Kind) -> list[Figure]:
        """`kind` is "etf" or "index": figures named {kind}_close, {kind}_prev_close, {kind}_return_pct."""
        note = f"close {self.date} vs previous close {self.prev_date}"
        return [
            Figure(
                FactName.close(kind),
                self.subject,
                self.close,
                "points" if kind == "index" else "元/份",
                self.date,
                self.source,
            ),
            Figure(
                FactName.prev_close(kind),
                self.subject,
                self.prev_close,
                "points" if kind == "index" else "元/份",
                self.prev_date,
                self.source,
            ),
            Figure(
                FactName.return_pct(kind), self.subject, self.return_pct, "%", self.date, self.source, note
            ),
        ]


def daily_move(bars: pd.DataFrame, date: dt.date, *, subject: str, source: str) -> DailyMove:
    """Return on `date` from the bar on `date` and the previous bar in the same frame.

    Raises NotFoundError when the frame has no bar on `date` or no earlier bar to compare with."""
    series = _Closes(bars)
    on_day = series.on(date)
    if on_day is None:
        raise NotFoundError(f"No {source} bar for {subject} on {date} (not a trading day, or not recorded).")
    prev = series.before(date)
    if prev is None:
        raise NotFoundError(f"No {source} bar for {subject} before {date}, so its daily return is unknown.")
    close = float(on_day)
    reported = _reported_pct_change(bars, date)
    return_pct = (close / prev[1] - 1.0) * 100.0
    return DailyMove(subject, date, prev[0], close, prev[1], return_pct, source, reported)


def _reported_pct_change(bars: pd.DataFrame, date: dt.date) -> float | None:
    """The frame's 涨跌幅 (`pct_change`) on `date`, if the frame has one."""
    if bars is None or bars.empty or "pct_change" not in bars.columns:
        return None
    for d, v in zip(bars["date"].tolist(), bars["pct_change"].tolist(), strict=True):
        if to_date(d) == date and v is not None and not pd.isna(v):
            return float(v)
    return None


def ex_rights_warning(move: DailyMove) -> str | None:
    """Flag a day where close/previous close disagrees with the reported 涨跌幅 (ex-rights, dividend)."""
    if move.reported_pct_change is None:
        return None
    gap = move.return_pct - move.reported_pct_change
    if abs(gap) <= EX_RIGHTS_TOLERANCE_PP:
        return None
    return (
        f"{move.subject} on {move.date}: close-to-close return {move.return_pct:.4f}% differs from the "
        f"reported 涨跌幅 {move.reported_pct_change:.4f}% ({move.source}); likely an ex-rights/dividend day."
    )
