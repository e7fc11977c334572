"""Units (份) and scale changes, over the day and over a month, on hand-computed numbers.

Units (份):  2025-12-08 100e6 · 2025-12-09 101e6 · 2025-12-31 110e6 · 2026-01-08 115e6 · 2026-01-09 116e6
Closes (元): 2025-12-09 1.00 · 2026-01-08 1.18 · 2026-01-09 1.20
T = 2026-01-09 → T − 1 month = 2025-12-09 → period starts 2025-12-09.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from assistant.analysis.flows import compute_flows, minus_months, units_source_for
from assistant.errors import NotFoundError

T = dt.date(2026, 1, 9)
T1 = dt.date(2026, 1, 8)
UNITS = {
    dt.date(2025, 12, 8): 100e6,
    dt.date(2025, 12, 9): 101e6,
    dt.date(2025, 12, 31): 110e6,
    T1: 115e6,
    T: 116e6,
}
CLOSES = {dt.date(2025, 12, 8): 0.99, dt.date(2025, 12, 9): 1.0, T1: 1.18, T: 1.2}


def units_frame(points: dict[dt.date, float]) -> pd.DataFrame:
    return pd.DataFrame({"date": list(points), "units": list(points.values())})


def bars(points: dict[dt.date, float]) -> pd.DataFrame:
    return pd.DataFrame({"date": [d.isoformat() for d in points], "close": list(points.values())})


def test_minus_months_clamps_the_day() -> None:
    assert minus_months(T, 1) == dt.date(2025, 12, 9)
    assert minus_months(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert minus_months(dt.date(2024, 3, 30), 1) == dt.date(2024, 2, 29)
    assert minus_months(dt.date(2026, 1, 31), 3) == dt.date(2025, 10, 31)


def test_month_and_day_changes() -> None:
    flows = compute_flows(units_frame(UNITS), bars(CLOSES), "560500", T, prev_date=T1)
    assert flows.units_date == T and flows.units == 116e6 and flows.units_source == "fund_etf_scale_sse"
    period = flows.period
    assert period is not None and period.start_date == dt.date(2025, 12, 9) and period.end_date == T
    # 116e6 − 101e6 = 15e6 份; 15/101 × 100 = 14.8514851485 %
    assert period.change == 15e6
    assert period.change_pct == pytest.approx(15 / 101 * 100, rel=1e-12)
    # scale: 101e6 × 1.00 = 101e6 → 116e6 × 1.20 = 139.2e6 → +38.2e6 元
    assert period.scale_start_yuan == pytest.approx(101e6, rel=1e-12)
    assert period.scale_end_yuan == pytest.approx(139.2e6, rel=1e-12)
    assert period.scale_change_yuan == pytest.approx(38.2e6, rel=1e-12)
    day = flows.day
    # 116e6 − 115e6 = 1e6 份 (0.8695652174 %); scale 115e6 × 1.18 = 135.7e6 → 139.2e6: +3.5e6 元
    assert day is not None and day.start_date == T1 and day.change == 1e6
    assert day.change_pct == pytest.approx(1 / 115 * 100, rel=1e-12)
    assert day.scale_change_yuan == pytest.approx(3.5e6, rel=1e-9)
    assert flows.notes == ()


def test_figures_name_the_dates() -> None:
    flows = compute_flows(units_frame(UNITS), bars(CLOSES), "560500", T, prev_date=T1)
    figs = {(f.name, f.as_of): f for f in flows.figures()}
    assert figs[("etf_units_change", T)].value == 15e6 and figs[("etf_units_change", T)].unit == "份"
    assert "2025-12-09 → 2026-01-09" in (figs[("etf_units_change", T)].note or "")
    assert figs[("etf_units_change_pct", T)].unit == "%"
    assert figs[("etf_scale_change_yuan", T)].unit == "元"
    assert figs[("etf_scale_change_yuan", T)].source == "fund_etf_scale_sse+fund_etf_hist_em"
    assert figs[("etf_units_change_1d", T)].value == 1e6
    assert {figs[("etf_units", d)].value for d in (T, T1, dt.date(2025, 12, 9))} == {116e6, 115e6, 101e6}


def test_period_start_is_last_units_date_on_or_before_target() -> None:
    # No units on 2025-12-09 → the last on or before it is 2025-12-08 (100e6): +16e6 份, 16 %.
    units = {d: u for d, u in UNITS.items() if d != dt.date(2025, 12, 9)}
    flows = compute_flows(units_frame(units), bars(CLOSES), "560500", T, prev_date=T1)
    assert flows.period is not None and flows.period.start_date == dt.date(2025, 12, 8)
    assert flows.period.change == 16e6 and flows.period.change_pct == pytest.approx(16.0, rel=1e-12)
    # scale: 100e6 × 0.99 = 99e6 → 139.2e6: +40.2e6 元
    assert flows.period.scale_change_yuan == pytest.approx(40.2e6, rel=1e-12)


def test_period_falls_back_to_earliest_and_says_so() -> None:
    units = {d: u for d, u in UNITS.items() if d > dt.date(2025, 12, 9)}
    flows = compute_flows(units_frame(units), bars(CLOSES), "560500", T, prev_date=T1)
    assert flows.period is not None and flows.period.start_date == dt.date(2025, 12, 31)
    assert flows.period.change == 6e6
    assert any("earliest recorded date, 2025-12-31" in n for n in flows.notes)
    # No close on 2025-12-31: scale uses the nearest earlier close (2025-12-09, 1.00) and says so.
    assert flows.period.close_start_date == dt.date(2025, 12, 9)
    assert any("uses the close of 2025-12-09" in n for n in flows.notes)


def test_missing_units_on_t_or_t_minus_1() -> None:
    units = {d: u for d, u in UNITS.items() if d != T}
    flows = compute_flows(units_frame(units), bars(CLOSES), "560500", T, prev_date=T1)
    assert flows.units_date == T1 and flows.day is None
    assert any("not recorded" in n for n in flows.notes)
    units = {d: u for d, u in UNITS.items() if d != T1}
    flows = compute_flows(units_frame(units), bars(CLOSES), "560500", T, prev_date=T1)
    assert flows.day is None and any("2026-01-08 are not recorded" in n for n in flows.notes)


def test_no_units_is_not_found_and_szse_source() -> None:
    with pytest.raises(NotFoundError, match="159606"):
        compute_flows(units_frame({}), bars(CLOSES), "159606", T)
    assert units_source_for("159606") == "fund_scale_daily_szse"
    assert units_source_for("560500") == "fund_etf_scale_sse"


def test_single_units_date_gives_no_period() -> None:
    flows = compute_flows(units_frame({T: 116e6}), bars(CLOSES), "560500", T)
    assert flows.period is None and flows.day is None
    assert [f.name for f in flows.figures()] == ["etf_units"]
