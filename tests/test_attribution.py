"""Attribution on small hand-computed cases, plus property checks over random inputs.

Base case (weights dated d = 2025-12-31, T = 2026-01-09, T-1 = 2026-01-08):
    code  w(d)  P(d)  P(T-1)  drift raw = w·P(T-1)/P(d)
    A     50    10    12      60
    B     30    20    20      30
    C     20     5     4      16          Σraw = 106
Drifted weights: A 60/1.06 = 56.6037735849, B 30/1.06 = 28.3018867925, C 16/1.06 = 15.0943396226.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

import pandas as pd
import pytest

from assistant.analysis.attribution import (
    UNCLASSIFIED,
    LookAheadError,
    attribute_index_move,
    daily_move,
    latest_rebalance,
    rebalance_effective_date,
    second_friday,
    weights_date_check,
)
from assistant.analysis.explain import explain_frames, explain_move
from assistant.errors import NotFoundError
from assistant.market.data import EtfSpot
from assistant.market.model import SourceInfo

D = dt.date(2025, 12, 31)
T1 = dt.date(2026, 1, 8)
T = dt.date(2026, 1, 9)


def weights_frame(rows: list[tuple[str, float]], date: dt.date = D) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": [date] * len(rows),
            "index_code": "930939",
            "index_name": "500质量成长",
            "index_name_en": "",
            "code": [c for c, _ in rows],
            "name": [f"name-{c}" for c, _ in rows],
            "name_en": "",
            "exchange": "",
            "weight": [w for _, w in rows],
        }
    )


def bars(points: dict[dt.date, float], pct: dict[dt.date, float] | None = None) -> pd.DataFrame:
    days = sorted(points)
    frame = pd.DataFrame({"date": [d.isoformat() for d in days], "close": [points[d] for d in days]})
    if pct is not None:
        frame["pct_change"] = [pct.get(d) for d in days]
    return frame


BASE_WEIGHTS = weights_frame([("A", 50.0), ("B", 30.0), ("C", 20.0)])


def base_bars(t_close: dict[str, float]) -> dict[str, pd.DataFrame]:
    prices = {"A": (10.0, 12.0), "B": (20.0, 20.0), "C": (5.0, 4.0)}
    out = {}
    for code, (p_d, p_t1) in prices.items():
        points = {D: p_d, T1: p_t1}
        if code in t_close:
            points[T] = t_close[code]
        out[code] = bars(points)
    return out


def by_code(result):
    return {c.code: c for c in result.constituents}


# --------------------------------------------------------------------------------------------------
# Hand-computed days
# --------------------------------------------------------------------------------------------------


def test_rising_day() -> None:
    # T closes: A 12.6 (r = +5%), B 20.4 (+2%), C 4 (0%).
    # contributions: A 60·0.05/1.06 = 3/1.06 = 2.8301886792; B 30·0.02/1.06 = 0.6/1.06 = 0.5660377358; C 0.
    # sum = 3.6/1.06 = 3.3962264151; index returned 3.40 → residual 0.0037735849 (< 0.1, no warning).
    result = attribute_index_move(
        BASE_WEIGHTS,
        base_bars({"A": 12.6, "B": 20.4, "C": 4.0}),
        T,
        3.40,
        industries={"A": "有色金属", "B": "有色金属", "C": None},
    )
    c = by_code(result)
    assert c["A"].weight_drifted_pct == pytest.approx(60 / 1.06, rel=1e-12)
    assert c["B"].weight_drifted_pct == pytest.approx(30 / 1.06, rel=1e-12)
    assert c["C"].weight_drifted_pct == pytest.approx(16 / 1.06, rel=1e-12)
    assert c["A"].return_pct == pytest.approx(5.0, rel=1e-12)
    assert c["A"].contribution_pp == pytest.approx(3 / 1.06, rel=1e-12)
    assert c["B"].contribution_pp == pytest.approx(0.6 / 1.06, rel=1e-12)
    assert c["C"].contribution_pp == pytest.approx(0.0, abs=1e-15)
    assert result.contribution_sum_pp == pytest.approx(3.6 / 1.06, rel=1e-12)
    assert result.residual_pp == pytest.approx(3.40 - 3.6 / 1.06, rel=1e-9)
    assert result.warnings == ()
    assert [m.code for m in result.top_contributors] == ["A", "B", "C"]
    assert [m.code for m in result.bottom_contributors] == ["C", "B", "A"]
    assert [m.code for m in result.top_gainers] == ["A", "B", "C"]
    assert result.weights_date == D and result.index == "930939"
    # top 5 (all three) explain 3.3962264151 / 3.40 = 99.889012209 % of the move.
    assert result.top_n_share_pct == pytest.approx(3.6 / 1.06 / 3.40 * 100, rel=1e-12)


def test_falling_day_drivers_are_the_most_negative() -> None:
    # T closes: A 11.4 (−5%), B 19.6 (−2%), C 4.2 (+5%).
    # contributions: A −3/1.06 = −2.8301886792, B −0.6/1.06 = −0.5660377358, C 16·0.05/1.06 = 0.7547169811.
    # sum = −2.8/1.06 = −2.6415094340; index −2.64 → residual 0.0015094340.
    # top 2 in the direction of the move: A, B → (−3.6/1.06) / −2.64 × 100 = 128.6449399657 %.
    stock = base_bars({"A": 11.4, "B": 19.6, "C": 4.2})
    result = attribute_index_move(BASE_WEIGHTS, stock, T, -2.64, top_n=2)
    assert result.contribution_sum_pp == pytest.approx(-2.8 / 1.06, rel=1e-12)
    assert result.residual_pp == pytest.approx(-2.64 + 2.8 / 1.06, rel=1e-9)
    assert [m.code for m in result.drivers] == ["A", "B"]
    assert result.top_n_share_pct == pytest.approx((-3.6 / 1.06) / -2.64 * 100, rel=1e-12)
    assert [m.code for m in result.bottom_contributors] == ["A", "B"]
    assert [m.code for m in result.top_contributors] == ["C", "B"]  # +0.75, then −0.57
    assert [m.code for m in result.top_losers] == ["A", "B"]
    assert result.warnings == ()


def test_suspended_on_t_contributes_zero_and_is_reported() -> None:
    # C has no bar on T: return None, contribution 0, weight still 16/1.06 (the index still holds it).
    result = attribute_index_move(BASE_WEIGHTS, base_bars({"A": 12.6, "B": 20.4}), T, 3.3962264151)
    c = by_code(result)
    assert c["C"].suspended and c["C"].return_pct is None and c["C"].contribution_pp == 0.0
    assert c["C"].weight_drifted_pct == pytest.approx(16 / 1.06, rel=1e-12)
    assert result.suspended == ("C",)
    assert any("C" in w and "suspended" in w for w in result.warnings)
    assert "C" not in [m.code for m in result.top_gainers]
    assert result.contribution_sum_pp == pytest.approx(3.6 / 1.06, rel=1e-12)


def test_drift_over_several_days_with_missing_dates() -> None:
    # B has no bar on d → nearest earlier close (2025-12-30: 20); B suspended on T-1 → last close before T
    # (2026-01-07: 21). raw_B = 30 · 21/20 = 31.5. A: 50 · 12/10 = 60 (closes on d, 2026-01-02, T-1).
    # Σraw = 91.5 → w_A = 60/0.915 = 65.5737704918, w_B = 31.5/0.915 = 34.4262295082.
    # T: A 12.6 (+5%), B 21.42 (+2% vs 21) → sum = (3 + 0.63)/0.915 = 3.9672131148.
    weights = weights_frame([("A", 50.0), ("B", 30.0)])
    stock = {
        "A": bars({D: 10.0, dt.date(2026, 1, 2): 11.0, T1: 12.0, T: 12.6}),
        "B": bars({dt.date(2025, 12, 30): 20.0, dt.date(2026, 1, 7): 21.0, T: 21.42}),
    }
    result = attribute_index_move(weights, stock, T, 3.9672131148)
    c = by_code(result)
    assert c["B"].base_close_date == dt.date(2025, 12, 30) and c["B"].prev_close_date == dt.date(2026, 1, 7)
    assert "used 2025-12-30" in (c["B"].note or "")
    assert c["A"].weight_drifted_pct == pytest.approx(60 / 0.915, rel=1e-12)
    assert c["B"].weight_drifted_pct == pytest.approx(31.5 / 0.915, rel=1e-12)
    assert c["B"].return_pct == pytest.approx(2.0, rel=1e-12)
    assert result.contribution_sum_pp == pytest.approx(3.63 / 0.915, rel=1e-12)
    assert abs(result.residual_pp or 0) < 1e-9


def test_constituent_without_any_price_is_unpriced_and_excluded_from_renormalisation() -> None:
    # D has no bars: left out, contributes 0; A, B, C renormalise exactly as in the base case.
    weights = weights_frame([("A", 45.0), ("B", 27.0), ("C", 18.0), ("D", 10.0)])
    stock = base_bars({"A": 12.6, "B": 20.4, "C": 4.0}) | {"D": pd.DataFrame(columns=["date", "close"])}
    result = attribute_index_move(weights, stock, T, 3.3962264151)
    c = by_code(result)
    # raw: 45·1.2 = 54, 27, 18·0.8 = 14.4 → Σ 95.4 → w_A = 54/0.954 = 56.6037735849 (same as base case).
    assert c["A"].weight_drifted_pct == pytest.approx(60 / 1.06, rel=1e-12)
    assert not c["D"].priced and c["D"].weight_drifted_pct is None and c["D"].contribution_pp == 0.0
    assert result.unpriced == ("D",)
    assert any("D" in w and "10.0000% of file weight" in w for w in result.warnings)


def test_residual_above_threshold_is_a_warning() -> None:
    # Contributions sum to 3.6/1.06 = 3.3962264151 but the index "returned" 3.0: residual −0.3962 pp.
    result = attribute_index_move(BASE_WEIGHTS, base_bars({"A": 12.6, "B": 20.4, "C": 4.0}), T, 3.0)
    assert result.residual_pp == pytest.approx(3.0 - 3.6 / 1.06, rel=1e-12)
    assert any("residual" in w for w in result.warnings)
    names = {f.name for f in result.figures()}
    assert {"attribution_residual_pp", "contribution_sum_pp"} <= names


def test_industry_sums_and_unclassified_key() -> None:
    # 有色金属 = A + B = 3.6/1.06 pp, weight 90/1.06; C unknown → "未分类" with 0 pp, weight 16/1.06.
    result = attribute_index_move(
        BASE_WEIGHTS,
        base_bars({"A": 12.6, "B": 20.4, "C": 4.0}),
        T,
        3.40,
        industries={"A": "有色金属", "B": "有色金属"},
    )
    ind = {m.industry: m for m in result.industries}
    assert set(ind) == {"有色金属", UNCLASSIFIED}
    assert ind["有色金属"].contribution_pp == pytest.approx(3.6 / 1.06, rel=1e-12)
    assert ind["有色金属"].weight_drifted_pct == pytest.approx(90 / 1.06, rel=1e-12)
    assert ind["有色金属"].count == 2
    assert ind["有色金属"].return_pct == pytest.approx(3.6 / 90 * 100, rel=1e-12)  # 4 %
    assert ind[UNCLASSIFIED].contribution_pp == 0.0
    assert result.industries[0].industry == "有色金属"
    assert UNCLASSIFIED == "未分类"


@pytest.mark.parametrize("index_return", [0.0, 0.004, -0.009])
def test_zero_index_return_gives_no_share(index_return: float) -> None:
    result = attribute_index_move(BASE_WEIGHTS, base_bars({"A": 10.0, "B": 20.0, "C": 4.0}), T, index_return)
    assert result.top_n_share_pct is None
    assert any("not meaningful" in n for n in result.notes)
    assert "top_n_share_pct" not in {f.name for f in result.figures()}


def test_ex_rights_day_is_flagged() -> None:
    # A closes 12.6 vs 12 (+5%) but the frame's 涨跌幅 says +8% → likely ex-rights day, a warning.
    stock = base_bars({"A": 12.6, "B": 20.4, "C": 4.0})
    stock["A"] = bars({D: 10.0, T1: 12.0, T: 12.6}, pct={T: 8.0})
    result = attribute_index_move(BASE_WEIGHTS, stock, T, 3.40)
    assert any("ex-rights" in w and "A" in w for w in result.warnings)


def test_figures_carry_units_dates_and_sources() -> None:
    result = attribute_index_move(
        BASE_WEIGHTS, base_bars({"A": 12.6, "B": 20.4, "C": 4.0}), T, 3.40, industries={"A": "有色金属"}
    )
    figs = {(f.name, f.subject): f for f in result.figures()}
    contrib = figs[("constituent_contribution_pp", "A")]
    assert contrib.unit == "pp" and contrib.as_of == T
    assert contrib.value == by_code(result)["A"].contribution_pp
    assert contrib.source == "stock_zh_a_hist+index_stock_cons_weight_csindex"
    assert figs[("constituent_return_pct", "A")].unit == "%"
    assert figs[("industry_contribution_pp", UNCLASSIFIED)].value == pytest.approx(0.5660377358, rel=1e-9)
    assert figs[("constituent_weight_file_pct", "A")].as_of == D


# --------------------------------------------------------------------------------------------------
# Weights date: rebalance calendar, stale weights, look-ahead
# --------------------------------------------------------------------------------------------------


def test_rebalance_calendar() -> None:
    assert second_friday(2025, 12) == dt.date(2025, 12, 12)
    assert second_friday(2026, 6) == dt.date(2026, 6, 12)
    assert second_friday(2026, 5) == dt.date(2026, 5, 8)  # May 1 2026 is a Friday
    assert rebalance_effective_date(2025, 12) == dt.date(2025, 12, 15)  # the Monday after
    # With a calendar where Monday 2026-06-15 is a holiday, the next trading day is the Tuesday.
    days = [dt.date(2026, 6, 11), dt.date(2026, 6, 12), dt.date(2026, 6, 16)]
    assert rebalance_effective_date(2026, 6, days) == dt.date(2026, 6, 16)
    assert latest_rebalance(T) == dt.date(2025, 12, 15)
    assert latest_rebalance(dt.date(2025, 12, 15)) == dt.date(2025, 12, 15)
    assert latest_rebalance(dt.date(2025, 12, 12)) == dt.date(2025, 6, 16)  # 2nd Fri of Jun 2025 = 06-13


def test_weights_before_the_rebalance_warn() -> None:
    # Weights dated 2025-12-01, before the December 2025 rebalance effective 2025-12-15.
    assert weights_date_check(dt.date(2025, 12, 15), T) is None
    assert "stale" in (weights_date_check(dt.date(2025, 12, 1), T) or "")
    stale = weights_frame([("A", 50.0), ("B", 30.0), ("C", 20.0)], date=dt.date(2025, 12, 1))
    result = attribute_index_move(stale, base_bars({"A": 12.6, "B": 20.4, "C": 4.0}), T, 3.40)
    # Closes are dated 2025-12-31, after the weights date: the nearest close on/before 12-01 is missing.
    assert result.unpriced == ("A", "B", "C")
    assert any("stale" in w for w in result.warnings)


def test_weights_after_t_are_look_ahead() -> None:
    future = weights_frame([("A", 50.0)], date=dt.date(2026, 1, 12))
    with pytest.raises(LookAheadError, match="2026-01-12"):
        attribute_index_move(future, base_bars({"A": 12.6}), T, 1.0)
    assert issubclass(LookAheadError, NotFoundError)


def test_mixed_weight_dates_are_refused() -> None:
    frame = pd.concat([weights_frame([("A", 50.0)]), weights_frame([("B", 50.0)], date=T1)])
    with pytest.raises(NotFoundError, match="mixes dates"):
        attribute_index_move(frame, base_bars({"A": 12.6}), T, 1.0)


# --------------------------------------------------------------------------------------------------
# Daily move
# --------------------------------------------------------------------------------------------------


def test_daily_move_and_missing_bar() -> None:
    # 1.016 / 1.000 − 1 = 1.6 %
    frame = bars({dt.date(2026, 1, 7): 0.99, T1: 1.0, T: 1.016})
    move = daily_move(frame, T, subject="560500", source="fund_etf_hist_em")
    assert move.return_pct == pytest.approx(1.6, rel=1e-12) and move.prev_date == T1
    with pytest.raises(NotFoundError, match="2026-01-10"):
        daily_move(frame, dt.date(2026, 1, 10), subject="560500", source="fund_etf_hist_em")
    with pytest.raises(NotFoundError, match="before"):
        daily_move(frame, dt.date(2026, 1, 7), subject="560500", source="fund_etf_hist_em")


# --------------------------------------------------------------------------------------------------
# Properties over random inputs (hypothesis is not installed: seeded, parametrised)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(25))
def test_properties_sum_is_sum_of_w_times_r_and_weights_sum_to_100(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 60)
    codes = [f"{i:06d}" for i in range(n)]
    raw_weights = [rng.uniform(0.01, 10) for _ in codes]
    weights = weights_frame(list(zip(codes, raw_weights, strict=True)))
    stock = {}
    for code in codes:
        points = {D: rng.uniform(1, 100), T1: rng.uniform(1, 100)}
        if rng.random() > 0.1:  # ~10 % suspended on T
            points[T] = points[T1] * rng.uniform(0.9, 1.1)
        stock[code] = bars(points)
    result = attribute_index_move(weights, stock, T, rng.uniform(-5, 5))
    priced = [c for c in result.constituents if c.priced]
    assert math.fsum(c.weight_drifted_pct or 0 for c in priced) == pytest.approx(100.0, abs=1e-9)
    expected = math.fsum(
        (c.weight_drifted_pct or 0) * (0.0 if c.suspended else c.close / c.prev_close - 1)  # type: ignore
        for c in priced
    )
    assert result.contribution_sum_pp == expected
    assert result.index_return_pct is not None
    assert result.residual_pp == result.index_return_pct - result.contribution_sum_pp
    assert math.fsum(m.contribution_pp for m in result.industries) == pytest.approx(expected, abs=1e-12)


# --------------------------------------------------------------------------------------------------
# Assembly (pure) and explain_move over a stub MarketData
# --------------------------------------------------------------------------------------------------

ETF_BARS = bars({dt.date(2026, 1, 6): 0.99, T1: 1.0, T: 1.016})
INDEX_BARS = bars({T1: 1000.0, T: 1034.0})  # 3.4 %


def test_explain_frames_tracking_difference_and_figures() -> None:
    result = explain_frames(
        "560500",
        "930939",
        T,
        etf_bars=ETF_BARS,
        index_bars=INDEX_BARS,
        weights=BASE_WEIGHTS,
        stock_bars=base_bars({"A": 12.6, "B": 20.4, "C": 4.0}),
    )
    assert result.etf_return_pct == pytest.approx(1.6, rel=1e-12)
    assert result.index_return_pct == pytest.approx(3.4, rel=1e-12)
    assert result.tracking_difference_pp == pytest.approx(1.6 - 3.4, rel=1e-12)
    assert result.index_name == "500质量成长" and result.prev_date == T1 and result.weights_date == D
    names = {f.name for f in result.figures()}
    assert {
        "etf_return_pct",
        "index_return_pct",
        "tracking_difference_pp",
        "etf_close",
        "index_close",
        "constituent_contribution_pp",
        "industry_contribution_pp",
        "top_n_share_pct",
    } <= names


class StubMarketData:
    """Duck-typed MarketData whose accessors return the hand-made frames above (no FrameSource needed)."""

    def __init__(self) -> None:
        self.info = SourceInfo("synthetic", T, dt.datetime(2026, 1, 9, 15, tzinfo=dt.UTC))

    def universe(self) -> dict[str, str]:
        return {"560500": "930939"}

    def index_of(self, etf: str) -> str:
        if etf not in self.universe():
            raise NotFoundError(f"unknown {etf}")
        return "930939"

    def etf_bars(self, etf, start=None, end=None):  # type: ignore[no-untyped-def]
        return ETF_BARS

    def index_bars(self, index, start=None, end=None):  # type: ignore[no-untyped-def]
        return INDEX_BARS

    def stock_bars(self, code, start=None, end=None):  # type: ignore[no-untyped-def]
        return base_bars({"A": 12.6, "B": 20.4, "C": 4.0})[code]

    def weights(self, index):  # type: ignore[no-untyped-def]
        return BASE_WEIGHTS

    def industry(self, code):  # type: ignore[no-untyped-def]
        return {"A": "有色金属"}.get(code)

    def trading_days(self):  # type: ignore[no-untyped-def]
        return [T1, T]

    def etf_spot(self, etf):  # type: ignore[no-untyped-def]
        return EtfSpot(
            "560500",
            "500质量",
            1.016,
            1.015,
            -0.1,
            None,
            1.6,
            None,
            None,
            None,
            None,
            None,
            1.0,
            None,
            116e6,
            None,
            None,
            T,
            None,
        )

    def etf_units(self, etf, start=None, end=None):  # type: ignore[no-untyped-def]
        return pd.DataFrame({"date": [dt.date(2025, 12, 9), T1, T], "units": [100e6, 115e6, 116e6]})


def test_explain_move_over_stub() -> None:
    result = explain_move(StubMarketData(), "560500")  # type: ignore[arg-type]
    assert result.trade_date == T and result.etf_return_pct == pytest.approx(1.6, rel=1e-12)
    assert result.premium is not None and result.premium.convention == "discount"
    assert result.flows is not None and result.flows.period is not None
    assert result.flows.period.change == 16e6
    assert result.flows.day is not None and result.flows.day.change == 1e6
    assert result.constituents[0].industry == "有色金属"


def test_explain_move_not_found_messages() -> None:
    md: Any = StubMarketData()
    with pytest.raises(NotFoundError, match=r"510300 is not in this data source's universe.*560500"):
        explain_move(md, "510300")
    with pytest.raises(NotFoundError, match=r"ETF 560500 on 2026-01-07.*latest earlier bar is 2026-01-06"):
        explain_move(md, "560500", dt.date(2026, 1, 7))
    with pytest.raises(NotFoundError, match="ETF 560500 on 2026-01-03: not a trading day"):
        explain_move(md, "560500", dt.date(2026, 1, 3))
    with pytest.raises(NotFoundError, match="No data after 2026-01-09"):
        explain_move(md, "560500", dt.date(2026, 1, 12))


def test_to_date_gives_a_plain_date_for_every_date_dtype() -> None:
    """to_date's fast path for plain dates must not let a datetime (a date subclass) through unconverted."""
    from assistant.analysis.prices import to_date

    day = dt.date(2024, 3, 5)
    for value in (day, dt.datetime(2024, 3, 5, 15, 0), pd.Timestamp("2024-03-05 09:30"), "2024-03-05"):
        got = to_date(value)
        assert got == day and type(got) is dt.date, value
