"""Premium to IOPV and the sign convention of AKShare's 基金折价率, on hand-computed numbers.

price 1.016, IOPV 1.015: premium = (1.016 / 1.015 − 1) × 100 = 0.0985221675 %.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from assistant.analysis.premium import (
    closing_premium_pct,
    compute_premium,
    detect_rate_convention,
    premium_pct,
)

T = dt.date(2026, 1, 9)
T1 = dt.date(2026, 1, 8)
PREMIUM = (1.016 / 1.015 - 1) * 100  # 0.0985221675 %


def test_premium_pct_is_ours() -> None:
    assert premium_pct(1.016, 1.015) == pytest.approx(0.0985221675, rel=1e-9)
    assert premium_pct(0.99, 1.0) == pytest.approx(-1.0, rel=1e-12)  # below IOPV → negative


def test_reported_rate_equal_to_premium_is_a_premium_rate() -> None:
    result = compute_premium("560500", 1.016, 1.015, 0.10, T)  # EM rounds 0.0985 to 0.10
    assert result.convention == "premium" and result.warnings == ()
    assert result.premium_pct == pytest.approx(PREMIUM, rel=1e-12)
    assert any("premium rate" in n for n in result.notes)


def test_reported_rate_equal_to_minus_premium_is_a_discount_rate() -> None:
    result = compute_premium("560500", 1.016, 1.015, -0.10, T)
    assert result.convention == "discount" and result.warnings == ()
    assert result.premium_pct == pytest.approx(PREMIUM, rel=1e-12)  # our number does not flip
    assert any("discount rate" in n for n in result.notes)


def test_reported_rate_matching_neither_is_a_warning() -> None:
    result = compute_premium("560500", 1.016, 1.015, 0.50, T)
    assert result.convention == "mismatch"
    assert len(result.warnings) == 1 and "matches neither" in result.warnings[0]


@pytest.mark.parametrize(
    ("ours", "reported", "expected"),
    [
        (0.0, 0.0, "undetermined"),
        (0.01, -0.01, "undetermined"),
        (None, 0.1, "unavailable"),
        (0.3, None, "unavailable"),
        (-0.25, 0.25, "discount"),
        (-0.25, -0.24, "premium"),
    ],
)
def test_detect_rate_convention_table(ours: float | None, reported: float | None, expected: str) -> None:
    assert detect_rate_convention(ours, reported)[0] == expected


def test_missing_iopv() -> None:
    result = compute_premium("560500", 1.016, None, -0.1, T)
    assert result.premium_pct is None and result.convention == "unavailable"
    assert [f.name for f in result.figures()] == ["etf_price", "etf_reported_discount_rate_pct"]


def test_change_vs_previous_day() -> None:
    # 0.0985221675 − 0.05 = 0.0485221675 pp
    result = compute_premium(
        "560500", 1.016, 1.015, -0.1, T, prev_premium_pct=0.05, prev_date=T1, prev_source="fund_etf_spot_em"
    )
    assert result.change_pp == pytest.approx(PREMIUM - 0.05, rel=1e-12)
    figs = {f.name: f for f in result.figures()}
    assert figs["etf_premium_change_pp"].unit == "pp" and figs["etf_premium_change_pp"].as_of == T
    assert figs["etf_premium_pct"].value == result.premium_pct and figs["etf_premium_pct"].unit == "%"
    assert figs["etf_premium_pct"].source == "fund_etf_spot_em"


def test_no_previous_day_gives_none_with_a_note() -> None:
    result = compute_premium("560500", 1.016, 1.015, -0.1, T)
    assert result.change_pp is None
    assert any("No previous-day premium" in n for n in result.notes)
    assert "etf_premium_change_pp" not in {f.name for f in result.figures()}


def test_closing_premium_from_nav_history() -> None:
    # close 1.0 on T-1, NAV 0.998 → (1 / 0.998 − 1) × 100 = 0.2004008016 %
    bars = pd.DataFrame({"date": ["2026-01-07", "2026-01-08"], "close": [0.99, 1.0]})
    nav = pd.DataFrame({"date": [dt.date(2026, 1, 8)], "nav": [0.998]})
    found = closing_premium_pct(bars, nav, T1)
    assert found is not None and found[0] == T1
    assert found[1] == pytest.approx(0.2004008016, rel=1e-9)
    assert closing_premium_pct(bars, nav, dt.date(2026, 1, 7)) is None  # no NAV that day
    result = compute_premium(
        "560500",
        1.016,
        1.015,
        -0.1,
        T,
        prev_premium_pct=found[1],
        prev_date=T1,
        prev_source="fund_etf_fund_info_em",
        prev_basis_note="previous day: close vs NAV",
    )
    assert result.change_pp == pytest.approx(PREMIUM - 0.2004008016, rel=1e-9)
    assert "previous day: close vs NAV" in result.notes
