"""Why did an ETF move on a day: gather frames from MarketData, run the pure analyses, one result object.

This is the only analysis module that touches MarketData. `explain_frames` is the pure assembly (frames
in, MoveExplanation out); `explain_move` fetches the frames and maps "nothing there" cases to
NotFoundError messages a user can act on (unknown ETF, a day without a bar, a date after the data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from assistant.analysis.attribution import (
    DEFAULT_RESIDUAL_THRESHOLD_PP,
    DEFAULT_TOP_N,
    ETF_SOURCE,
    INDEX_SOURCE,
    Attribution,
    ConstituentMove,
    DailyMove,
    IndustryMove,
    attribute_index_move,
    daily_move,
    ex_rights_warning,
    to_date,
)
from assistant.analysis.figures import FactName, Figure
from assistant.analysis.flows import Flows, compute_flows, minus_months, units_jump_warning
from assistant.analysis.premium import Premium, compute_premium
from assistant.errors import NotFoundError

if TYPE_CHECKING:  # only for annotations: analysis stays importable while the market layer changes
    from assistant.market.data import MarketData

STOCK_LOOKBACK_DAYS = 40
"""Bars are fetched from this many days before the first date needed (weights date, period start), so the
nearest-earlier-close rule and the previous close have data to fall back on."""


@dataclass(frozen=True)
class MoveExplanation:
    """Everything known about one ETF's move on `trade_date`, each number available as a Figure."""

    etf: str
    index: str
    index_name: str | None
    trade_date: dt.date
    prev_date: dt.date  # the ETF's previous trading day (the index's, if they differ, is warned about)
    weights_date: dt.date
    etf_move: DailyMove
    index_move: DailyMove
    tracking_difference_pp: float  # etf_return_pct − index_return_pct
    attribution: Attribution
    premium: Premium | None
    flows: Flows | None
    warnings: tuple[str, ...] = field(default_factory=tuple)  # includes the attribution's warnings
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def etf_return_pct(self) -> float:
        return self.etf_move.return_pct

    @property
    def index_return_pct(self) -> float:
        return self.index_move.return_pct

    @property
    def constituents(self) -> tuple[ConstituentMove, ...]:
        return self.attribution.constituents

    @property
    def industries(self) -> tuple[IndustryMove, ...]:
        return self.attribution.industries

    @property
    def top_contributors(self) -> tuple[ConstituentMove, ...]:
        return self.attribution.top_contributors

    @property
    def bottom_contributors(self) -> tuple[ConstituentMove, ...]:
        return self.attribution.bottom_contributors

    @property
    def suspended(self) -> tuple[str, ...]:
        return self.attribution.suspended

    def figures(self) -> list[Figure]:
        """Every figure: ETF and index moves, tracking difference, attribution, premium, flows."""
        out = self.etf_move.figures("etf") + self.index_move.figures("index")
        out.append(
            Figure(
                FactName.TRACKING_DIFFERENCE_PP,
                self.etf,
                self.tracking_difference_pp,
                "pp",
                self.trade_date,
                f"{self.etf_move.source}+{self.index_move.source}",
                f"ETF return minus {self.index} return; unadjusted ETF close vs price index",
            )
        )
        out += self.attribution.figures()
        if self.premium is not None:
            out += self.premium.figures()
        if self.flows is not None:
            out += self.flows.figures()
        return out


def explain_frames(
    etf: str,
    index: str,
    trade_date: dt.date,
    *,
    etf_bars: pd.DataFrame,
    index_bars: pd.DataFrame,
    weights: pd.DataFrame,
    stock_bars: Mapping[str, pd.DataFrame],
    industries: Mapping[str, str | None] | None = None,
    premium: Premium | None = None,
    flows: Flows | None = None,
    trading_days: Sequence[dt.date] | None = None,
    top_n: int = DEFAULT_TOP_N,
    residual_threshold_pp: float = DEFAULT_RESIDUAL_THRESHOLD_PP,
    notes: Sequence[str] = (),
) -> MoveExplanation:
    """Pure assembly: ETF and index moves, tracking difference and the constituent attribution.

    Raises NotFoundError when the ETF or index has no bar on `trade_date` (or none before it)."""
    etf_move = daily_move(etf_bars, trade_date, subject=etf, source=_source(etf_bars, ETF_SOURCE))
    index_move = daily_move(index_bars, trade_date, subject=index, source=_source(index_bars, INDEX_SOURCE))
    attribution = attribute_index_move(
        weights,
        stock_bars,
        trade_date,
        index_move.return_pct,
        index=index,
        industries=industries,
        top_n=top_n,
        residual_threshold_pp=residual_threshold_pp,
        trading_days=trading_days,
    )
    warnings: list[str] = []
    if etf_move.prev_date != index_move.prev_date:
        warnings.append(
            f"The ETF's previous bar is {etf_move.prev_date} but the index's is "
            f"{index_move.prev_date}: their returns cover different spans."
        )
    etf_warning = ex_rights_warning(etf_move)
    if etf_warning:
        warnings.append(etf_warning)
    warnings += attribution.warnings
    all_notes = list(notes) + list(attribution.notes)
    for part in (premium, flows):
        if part is not None:
            all_notes += list(part.notes)
    if premium is not None:
        warnings += premium.warnings
    if flows is not None:
        for change in (flows.day, flows.period):
            jump = change and units_jump_warning(
                etf, change.start_date, change.units_start, change.end_date, change.units_end
            )
            if jump:
                warnings.append(jump)
    return MoveExplanation(
        etf=etf,
        index=index,
        index_name=_index_name(weights),
        trade_date=trade_date,
        prev_date=etf_move.prev_date,
        weights_date=attribution.weights_date,
        etf_move=etf_move,
        index_move=index_move,
        tracking_difference_pp=etf_move.return_pct - index_move.return_pct,
        attribution=attribution,
        premium=premium,
        flows=flows,
        warnings=tuple(warnings),
        notes=tuple(all_notes),
    )


def explain_move(
    md: MarketData,
    etf: str,
    date: dt.date | None = None,
    *,
    period_months: int = 1,
    top_n: int = DEFAULT_TOP_N,
    residual_threshold_pp: float = DEFAULT_RESIDUAL_THRESHOLD_PP,
    prev_premium_pct: float | None = None,
    prev_premium_date: dt.date | None = None,
) -> MoveExplanation:
    """Explain `etf`'s move on `date` (default: the data's trade date) from a MarketData.

    `prev_premium_pct` (with its date) lets a caller that knows yesterday's premium get its change;
    otherwise the change is None with a note."""
    index = _index_of(md, etf)
    trade_date = date or md.info.trade_date
    if trade_date > md.info.trade_date:
        raise NotFoundError(
            f"No data after {md.info.trade_date} in this source; {trade_date} cannot be explained."
        )
    # ETF closes must reach back to the flows period start (scale = units × close on that date).
    etf_start = minus_months(trade_date, period_months) - dt.timedelta(days=STOCK_LOOKBACK_DAYS)
    etf_bars = md.etf_bars(etf, start=etf_start, end=trade_date)
    _require_bar(etf_bars, trade_date, f"ETF {etf}", ETF_SOURCE)
    index_start = trade_date - dt.timedelta(days=STOCK_LOOKBACK_DAYS)
    index_bars = md.index_bars(index, start=index_start, end=trade_date)
    _require_bar(index_bars, trade_date, f"index {index}", INDEX_SOURCE)
    weights = md.weights(index)
    if weights.empty:
        raise NotFoundError(
            f"No constituent weights recorded for index {index}; the move cannot be attributed."
        )
    weights_date = to_date(weights["date"].iloc[0])
    start = min(weights_date, trade_date) - dt.timedelta(days=STOCK_LOOKBACK_DAYS)
    codes = [str(c) for c in weights["code"]]
    stock_bars = {code: _stock_bars(md, code, start, trade_date) for code in codes}
    industries = {code: _industry(md, code) for code in codes}
    notes: list[str] = []
    prev_date = _prev_bar_date(etf_bars, trade_date)
    premium = _premium(md, etf, trade_date, prev_premium_pct, prev_premium_date, notes)
    flows = _flows(md, etf, etf_bars, trade_date, prev_date, period_months, notes)
    return explain_frames(
        etf,
        index,
        trade_date,
        etf_bars=etf_bars,
        index_bars=index_bars,
        weights=weights,
        stock_bars=stock_bars,
        industries=industries,
        premium=premium,
        flows=flows,
        trading_days=_trading_days(md),
        top_n=top_n,
        residual_threshold_pp=residual_threshold_pp,
        notes=notes,
    )


def _source(frame: pd.DataFrame, default: str) -> str:
    return str(frame.attrs.get("source", default)) if frame is not None else default


def _index_name(weights: pd.DataFrame) -> str | None:
    if "index_name" in weights.columns and len(weights):
        value = weights["index_name"].iloc[0]
        return None if value is None or pd.isna(value) else str(value)
    return None


def _index_of(md: MarketData, etf: str) -> str:
    try:
        return md.index_of(etf)
    except NotFoundError as err:
        try:
            known = ", ".join(sorted(md.universe()))
        except Exception:  # noqa: BLE001 - the listing is only a hint in the message
            known = ""
        hint = f" Known ETFs: {known}." if known else ""
        raise NotFoundError(f"ETF {etf} is not in this data source's universe.{hint}") from err


def _require_bar(bars: pd.DataFrame, day: dt.date, what: str, source: str) -> None:
    """A clear NotFoundError when `what` has no bar on `day` (weekend, holiday, suspension, not recorded)."""
    dates = sorted({to_date(d) for d in bars["date"]}) if bars is not None and not bars.empty else []
    if day in dates:
        earlier = [d for d in dates if d < day]
        if earlier:
            return
        raise NotFoundError(f"No {source} bar for {what} before {day}, so its return on {day} is unknown.")
    before = [d for d in dates if d < day]
    latest = f" The latest earlier bar is {before[-1]}." if before else ""
    raise NotFoundError(
        f"No {source} bar for {what} on {day}: not a trading day, or not recorded in this data.{latest}"
    )


def _prev_bar_date(bars: pd.DataFrame, day: dt.date) -> dt.date | None:
    earlier = sorted(d for d in (to_date(x) for x in bars["date"]) if d < day)
    return earlier[-1] if earlier else None


def _stock_bars(md: MarketData, code: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Bars for a constituent; a stock with nothing recorded becomes an empty frame (reported as unpriced)."""
    try:
        return md.stock_bars(code, start=start, end=end)
    except NotFoundError:
        return pd.DataFrame(columns=["date", "close"])


def _industry(md: MarketData, code: str) -> str | None:
    try:
        return md.industry(code)
    except NotFoundError:
        return None


def _trading_days(md: MarketData) -> list[dt.date] | None:
    try:
        return md.trading_days()
    except NotFoundError:
        return None


def _premium(
    md: MarketData,
    etf: str,
    trade_date: dt.date,
    prev_pct: float | None,
    prev_date: dt.date | None,
    notes: list[str],
) -> Premium | None:
    """Premium to IOPV from the spot row, only when that row is dated on the trade date."""
    try:
        spot = md.etf_spot(etf)
    except NotFoundError:
        notes.append(f"No fund_etf_spot_em row for {etf}: premium to IOPV not available.")
        return None
    if spot.data_date != trade_date:
        notes.append(
            f"The fund_etf_spot_em row for {etf} is dated {spot.data_date}, not {trade_date}: "
            "premium to IOPV not computed."
        )
        return None
    return compute_premium(
        etf,
        spot.price,
        spot.iopv,
        spot.discount_rate_pct,
        trade_date,
        prev_premium_pct=prev_pct,
        prev_date=prev_date,
        prev_source="caller" if prev_pct is not None else None,
    )


def _flows(
    md: MarketData,
    etf: str,
    etf_bars: pd.DataFrame,
    trade_date: dt.date,
    prev_date: dt.date | None,
    period_months: int,
    notes: list[str],
) -> Flows | None:
    try:
        units = md.etf_units(etf, end=trade_date)
        return compute_flows(
            units,
            etf_bars,
            etf,
            trade_date,
            prev_date=prev_date,
            period_months=period_months,
            units_source=units.attrs.get("source"),
            bars_source=_source(etf_bars, ETF_SOURCE),
        )
    except NotFoundError as err:
        notes.append(f"Units outstanding not available for {etf}: {err}")
        return None


__all__ = ["MoveExplanation", "explain_frames", "explain_move"]
