"""Returns over a period: from the close of the period's baseline day (the last trading day before it starts,
as `resolve_period` gives it) to the close of its last day. Used for "month to date", "this week", "over the
last 5 trading days", "since 2025-12-15" questions about an ETF and the index it tracks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from assistant.analysis.figures import FactName, Figure, Kind
from assistant.analysis.prices import _Closes
from assistant.errors import NotFoundError


@dataclass(frozen=True)
class PeriodReturn:
    """close(end) / close(start) - 1, in percent, with the two closes it comes from."""

    subject: str
    start: dt.date  # the baseline day (its close is the starting point)
    end: dt.date
    start_close: float
    end_close: float
    return_pct: float
    source: str

    def figures(self, kind: Kind) -> list[Figure]:
        """`{kind}_period_return_pct` (as of the end day) and the two closes (`{kind}_close`, as of each day)."""
        return [
            Figure(
                FactName.period_return_pct(kind),
                self.subject,
                self.return_pct,
                "%",
                self.end,
                self.source,
                f"{self.start.isoformat()}..{self.end.isoformat()}",
            ),
            Figure(
                FactName.close(kind),
                self.subject,
                self.start_close,
                "points" if kind == "index" else "元/份",
                self.start,
                self.source,
            ),
            Figure(
                FactName.close(kind),
                self.subject,
                self.end_close,
                "points" if kind == "index" else "元/份",
                self.end,
                self.source,
            ),
        ]


def period_return(
    bars: pd.DataFrame, start: dt.date, end: dt.date, *, subject: str, source: str
) -> PeriodReturn:
    """The return from the close on (or last before) `start` to the close on (or last before) `end`.

    Raises NotFoundError when the frame has no close at or before either day, or the two are the same day."""
    closes = _Closes(bars)
    first, last = closes.on_or_before(start), closes.on_or_before(end)
    if first is None or last is None:
        raise NotFoundError(f"No {source} close for {subject} on or before {start}: the data starts later.")
    if first[0] >= last[0]:
        raise NotFoundError(f"The period {start}..{end} holds no trading day after {first[0]} for {subject}.")
    return PeriodReturn(
        subject, first[0], last[0], first[1], last[1], (last[1] / first[1] - 1.0) * 100.0, source
    )


__all__ = ["PeriodReturn", "period_return"]
