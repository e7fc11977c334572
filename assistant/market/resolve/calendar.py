"""Which days the A-share market was open, from the data when we have it and a rule when we do not."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable

_D = dt.date

# FALLBACK ONLY, used for days the data's calendar does not cover (or when it is empty): weekdays on which
# SSE/SZSE were (or are scheduled to be) closed for public holidays, 2025-2026, from the State Council
# holiday schedules as remembered; approximate for 2026. The data's own trading days always win.
FALLBACK_HOLIDAYS: frozenset[dt.date] = frozenset(
    [
        # 2025: New Year, Spring Festival, Qingming, Labour Day, Dragon Boat, National Day + Mid-Autumn
        _D(2025, 1, 1),
        *(_D(2025, 1, d) for d in (28, 29, 30, 31)), _D(2025, 2, 3), _D(2025, 2, 4),
        _D(2025, 4, 4),
        _D(2025, 5, 1), _D(2025, 5, 2), _D(2025, 5, 5),
        _D(2025, 6, 2),
        *(_D(2025, 10, d) for d in (1, 2, 3, 6, 7, 8)),
        # 2026: New Year, Spring Festival (2-15..2-23), Qingming, Labour Day, Dragon Boat, Mid-Autumn, National Day
        _D(2026, 1, 1), _D(2026, 1, 2),
        *(_D(2026, 2, d) for d in (16, 17, 18, 19, 20, 23)),
        _D(2026, 4, 6),
        _D(2026, 5, 1), _D(2026, 5, 4), _D(2026, 5, 5),
        _D(2026, 6, 19),
        _D(2026, 9, 25),
        *(_D(2026, 10, d) for d in (1, 2, 5, 6, 7)),
    ]
)  # fmt: skip


class TradingCalendar:
    """Trading days known from the data (exact inside their span) plus the weekday/holiday rule outside it.

    Keeping "known" separate from "open by rule" lets callers tell a non-trading day (a weekend) from a
    trading day the data simply does not have yet.
    """

    def __init__(self, trading_days: Iterable[dt.date] = ()) -> None:
        self.days: list[dt.date] = sorted(set(trading_days))
        self._set = frozenset(self.days)

    @property
    def last(self) -> dt.date | None:
        """The latest trading day the data knows, if any."""
        return self.days[-1] if self.days else None

    def is_open(self, day: dt.date) -> bool:
        if self.days and self.days[0] <= day <= self.days[-1]:
            return day in self._set
        return day.weekday() < 5 and day not in FALLBACK_HOLIDAYS

    def on_or_before(self, day: dt.date) -> dt.date:
        """The last trading day on or before `day`."""
        if self.days and self.days[0] <= day <= self.days[-1]:
            return self.days[bisect.bisect_right(self.days, day) - 1]
        for _ in range(60):  # the longest closure is 9 days; this only guards against a bad holiday list
            if self.is_open(day):
                return day
            day -= dt.timedelta(days=1)
        return day

    def before(self, day: dt.date) -> dt.date:
        """The last trading day strictly before `day`."""
        return self.on_or_before(day - dt.timedelta(days=1))
