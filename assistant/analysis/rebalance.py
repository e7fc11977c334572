"""The CSI rebalance calendar (semi-annual: effective the trading day after the 2nd Friday of June / December),
and the check that a weight file is neither from before the latest rebalance (a warning) nor from after the
trade date (look-ahead: refused)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from assistant.errors import NotFoundError


class LookAheadError(NotFoundError):
    """The weight file is dated after the trade date: using it would leak information from the future."""


def second_friday(year: int, month: int) -> dt.date:
    """The second Friday of a month."""
    first = dt.date(year, month, 1)
    first_friday = first + dt.timedelta(days=(4 - first.weekday()) % 7)
    return first_friday + dt.timedelta(days=7)


def rebalance_effective_date(year: int, month: int, trading_days: Sequence[dt.date] | None = None) -> dt.date:
    """First trading day after the second Friday of `month` (6 or 12).

    With `trading_days` covering that fortnight, the first listed day after the Friday is used (so a holiday
    Monday is skipped); otherwise the next weekday, i.e. the Monday (exchange holidays are unknown then)."""
    friday = second_friday(year, month)
    if trading_days:
        after = sorted(d for d in trading_days if friday < d <= friday + dt.timedelta(days=14))
        if after:
            return after[0]
    return friday + dt.timedelta(days=3)


def latest_rebalance(on_or_before: dt.date, trading_days: Sequence[dt.date] | None = None) -> dt.date:
    """The most recent semi-annual rebalance effective on or before the given date."""
    candidates = [
        rebalance_effective_date(year, month, trading_days)
        for year in (on_or_before.year - 1, on_or_before.year)
        for month in (6, 12)
    ]
    return max(d for d in candidates if d <= on_or_before)


def weights_date_check(
    weights_date: dt.date, trade_date: dt.date, trading_days: Sequence[dt.date] | None = None
) -> str | None:
    """A warning when the weights predate the latest rebalance; LookAheadError when they postdate T."""
    if weights_date > trade_date:
        raise LookAheadError(
            f"The constituent weights are dated {weights_date}, after {trade_date}; using them to explain "
            f"{trade_date} would use information that did not exist yet."
        )
    rebalance = latest_rebalance(trade_date, trading_days)
    if weights_date < rebalance:
        return (
            f"Constituent weights are dated {weights_date}, before the semi-annual rebalance effective "
            f"{rebalance}; the constituent list may be stale."
        )
    return None
