"""explain_move on the bundled sample snapshot (560500 on 2026-01-09), against the published numbers.

The sample's seed article reports: ETF +1.60 %, index 930939 +1.64 %, 厦门钨业 (600549) and 越秀资本
(000987) among the day's leaders, and over the past month units +16 million 份 and scale +52.66 million 元.
Rounding happens here, in the assertions, never in the analysis.
"""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.analysis.attribution import DEFAULT_RESIDUAL_THRESHOLD_PP
from assistant.analysis.explain import MoveExplanation, explain_move
from assistant.config import bundled_sample_path
from assistant.errors import NotFoundError
from assistant.market.data import MarketData
from assistant.market.snapshot import SnapshotSource

T = dt.date(2026, 1, 9)


@pytest.fixture(scope="module")
def md() -> MarketData:
    return MarketData(SnapshotSource(bundled_sample_path()))


@pytest.fixture(scope="module")
def result(md: MarketData) -> MoveExplanation:
    return explain_move(md, "560500")


def test_etf_and_index_returns(result: MoveExplanation) -> None:
    assert result.trade_date == T and result.index == "930939"
    assert round(result.etf_return_pct, 2) == 1.60
    assert round(result.index_return_pct, 2) == 1.64
    assert result.tracking_difference_pp == pytest.approx(result.etf_return_pct - result.index_return_pct)


def test_contributions_explain_the_index_within_the_residual(result: MoveExplanation) -> None:
    attribution = result.attribution
    assert attribution.residual_pp is not None
    assert attribution.contribution_sum_pp + attribution.residual_pp == pytest.approx(result.index_return_pct)
    assert abs(attribution.residual_pp) <= DEFAULT_RESIDUAL_THRESHOLD_PP
    assert not any("residual" in w for w in result.warnings)


def test_known_leaders_are_top_contributors(result: MoveExplanation) -> None:
    top5 = {c.code for c in result.top_contributors[:5]}
    assert {"600549", "000987"} <= top5


def test_flows_over_the_month(result: MoveExplanation) -> None:
    assert result.flows is not None and result.flows.period is not None
    period = result.flows.period
    assert round(period.change) == 16_000_000
    assert period.scale_change_yuan is not None
    assert round(period.scale_change_yuan / 1e6, 2) == 52.66
    assert period.end_date == T


def test_every_figure_is_citable(result: MoveExplanation) -> None:
    figures = result.figures()
    names = {f.name for f in figures}
    assert {
        "etf_return_pct",
        "index_return_pct",
        "constituent_contribution_pp",
        "industry_contribution_pp",
        "etf_units_change",
        "etf_units_change_pct",
        "contribution_sum_pp",
    } <= names
    for f in figures:
        assert f.unit and f.source and isinstance(f.as_of, dt.date) and f.as_of <= T


def test_unknown_etf_and_non_trading_day(md: MarketData) -> None:
    with pytest.raises(NotFoundError, match="999999"):
        explain_move(md, "999999")
    with pytest.raises(NotFoundError, match="2026-01-04"):  # a Sunday
        explain_move(md, "560500", dt.date(2026, 1, 4))


class _PerCallSource:
    """The sample snapshot without `immutable`: MarketData re-reads and re-parses on every call (the live path)."""

    def __init__(self, inner: SnapshotSource) -> None:
        self._inner = inner
        self.info = inner.info

    immutable = False

    def recorded(self, function: str, params: dict[str, str]) -> object:
        return self._inner.fetch(function, dict(params))  # re-read and re-filtered on every call

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


def test_memoised_frames_equal_the_per_call_path_and_cannot_be_corrupted(md: MarketData) -> None:
    import pandas as pd

    plain = MarketData(_PerCallSource(md.source))  # type: ignore[arg-type]
    assert md._memo is not None and plain._memo is None  # noqa: SLF001
    windows = [
        (None, None),
        (dt.date(2025, 12, 1), None),
        (dt.date(2025, 12, 10), dt.date(2026, 1, 7)),
        (dt.date(2026, 1, 9), dt.date(2026, 1, 9)),
        (dt.date(2027, 1, 1), None),
    ]
    code = str(md.weights("930939")["code"].iloc[0])
    for start, end in windows:
        for getter in ("etf_bars", "index_bars", "stock_bars"):
            subject = {"etf_bars": "560500", "index_bars": "930939", "stock_bars": code}[getter]
            got, want = getattr(md, getter)(subject, start, end), getattr(plain, getter)(subject, start, end)
            pd.testing.assert_frame_equal(got, want)
            assert got.attrs == want.attrs
    pd.testing.assert_frame_equal(md.weights("930939"), plain.weights("930939"))
    pd.testing.assert_frame_equal(md.etf_units("560500"), plain.etf_units("560500"))
    assert md.trading_days() == plain.trading_days() and md.etf_spot("560500") == plain.etf_spot("560500")
    assert md.industry(code) == plain.industry(code) and md.fund_overview("560500") == plain.fund_overview(
        "560500"
    )
    assert md.stock_bars("999999").empty and plain.stock_bars("999999").empty

    mutated = md.etf_bars("560500")
    mutated.loc[0, "close"] = -1.0  # a caller scribbling on its frame must not change the next caller's
    mutated["extra"] = 1
    del md.weights("930939")["weight"]
    pd.testing.assert_frame_equal(md.etf_bars("560500"), plain.etf_bars("560500"))
    pd.testing.assert_frame_equal(md.weights("930939"), plain.weights("930939"))
    assert explain_move(md, "560500").figures() == explain_move(plain, "560500").figures()
