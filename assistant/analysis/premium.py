"""ETF premium/discount to IOPV, computed by us, and the sign convention of AKShare's 基金折价率. Pure.

Why: 基金折价率 (fund_etf_spot_em, EM field f402) has an undocumented sign. We compute
premium_pct = (最新价 / IOPV − 1) × 100 ourselves and compare: equal → the column is a premium rate,
equal to the negative → a discount rate ((IOPV − price) / IOPV), neither → a warning. The detected
convention is stated in the result so nobody has to guess which way "折价" points.

The previous-day premium is an input (`prev_premium_pct`), so it can come from a caller that kept
yesterday's spot row, or from a NAV-history frame via `closing_premium_pct` (close vs published NAV).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from assistant.analysis.figures import FactName, Figure
from assistant.analysis.prices import close_on_or_before, closes, to_date

Convention = Literal["premium", "discount", "undetermined", "mismatch", "unavailable"]
"""premium: 基金折价率 == our premium; discount: == −premium; undetermined: premium within tolerance of 0
(both readings fit); mismatch: neither fits (a warning); unavailable: an input is missing."""

SPOT_SOURCE = "fund_etf_spot_em"
DEFAULT_TOLERANCE_PP = 0.02
"""EM publishes 基金折价率 to 2 dp from a 3-dp price and a 4-dp IOPV: ±0.02 pp covers that rounding."""


def premium_pct(price: float, iopv: float) -> float:
    """(price / IOPV − 1) × 100: positive when the ETF trades above its indicative value."""
    return (price / iopv - 1.0) * 100.0


def detect_rate_convention(
    our_premium_pct: float | None, reported_rate_pct: float | None, tolerance_pp: float = DEFAULT_TOLERANCE_PP
) -> tuple[Convention, str | None]:
    """Which way AKShare's 基金折价率 points, judged against our own premium; returns (convention, warning)."""
    if our_premium_pct is None or reported_rate_pct is None:
        return "unavailable", None
    as_premium = abs(reported_rate_pct - our_premium_pct) <= tolerance_pp
    as_discount = abs(reported_rate_pct + our_premium_pct) <= tolerance_pp
    if as_premium and as_discount:
        return "undetermined", None
    if as_premium:
        return "premium", None
    if as_discount:
        return "discount", None
    return "mismatch", (
        f"基金折价率 {reported_rate_pct}% matches neither our premium {our_premium_pct:.4f}% nor its negative "
        f"(tolerance {tolerance_pp} pp); the spot row's price, IOPV or rate may be inconsistent."
    )


@dataclass(frozen=True)
class Premium:
    """Premium/discount of an ETF to its IOPV on `as_of`, with the detected 基金折价率 convention."""

    etf: str
    as_of: dt.date
    price: float
    iopv: float | None
    premium_pct: float | None  # ours: (price / IOPV − 1) × 100
    reported_rate_pct: float | None  # 基金折价率 as AKShare returned it
    convention: Convention
    prev_premium_pct: float | None = None
    prev_date: dt.date | None = None
    change_pp: float | None = None  # premium_pct − prev_premium_pct
    source: str = SPOT_SOURCE
    prev_source: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def figures(self) -> list[Figure]:
        out = [Figure(FactName.ETF_PRICE, self.etf, self.price, "元/份", self.as_of, self.source, "最新价")]
        if self.iopv is not None:
            out.append(
                Figure(
                    FactName.ETF_IOPV, self.etf, self.iopv, "元/份", self.as_of, self.source, "IOPV实时估值"
                )
            )
        if self.premium_pct is not None:
            out.append(
                Figure(
                    FactName.ETF_PREMIUM_PCT,
                    self.etf,
                    self.premium_pct,
                    "%",
                    self.as_of,
                    self.source,
                    "(最新价 / IOPV − 1) × 100; positive = premium",
                )
            )
        if self.reported_rate_pct is not None:
            out.append(
                Figure(
                    FactName.ETF_REPORTED_DISCOUNT_RATE_PCT,
                    self.etf,
                    self.reported_rate_pct,
                    "%",
                    self.as_of,
                    self.source,
                    f"基金折价率 as reported; detected convention: {self.convention}",
                )
            )
        if self.change_pp is not None:
            out.append(
                Figure(
                    FactName.ETF_PREMIUM_CHANGE_PP,
                    self.etf,
                    self.change_pp,
                    "pp",
                    self.as_of,
                    f"{self.source}+{self.prev_source}" if self.prev_source else self.source,
                    f"vs {self.prev_premium_pct}% on {self.prev_date}",
                )
            )
        return out


def compute_premium(
    etf: str,
    price: float,
    iopv: float | None,
    reported_rate_pct: float | None,
    as_of: dt.date,
    *,
    prev_premium_pct: float | None = None,
    prev_date: dt.date | None = None,
    prev_source: str | None = None,
    prev_basis_note: str | None = None,
    tolerance_pp: float = DEFAULT_TOLERANCE_PP,
    source: str = SPOT_SOURCE,
) -> Premium:
    """Our premium to IOPV, the 基金折价率 convention and, if the previous premium is given, its change."""
    notes: list[str] = []
    warnings: list[str] = []
    ours = premium_pct(price, iopv) if iopv is not None and iopv > 0 and price > 0 else None
    if ours is None:
        notes.append("IOPV missing or non-positive: premium not computed.")
    convention, warning = detect_rate_convention(ours, reported_rate_pct, tolerance_pp)
    if warning:
        warnings.append(warning)
    implausible = implausible_premium(etf, as_of, ours)
    if implausible:
        warnings.append(implausible)
    notes.append(_convention_note(convention))
    change = None
    if prev_premium_pct is None:
        notes.append("No previous-day premium available: change not computed.")
    elif ours is not None:
        change = ours - prev_premium_pct
        if prev_basis_note:
            notes.append(prev_basis_note)
    return Premium(
        etf,
        as_of,
        price,
        iopv,
        ours,
        reported_rate_pct,
        convention,
        prev_premium_pct,
        prev_date,
        change,
        source,
        prev_source,
        tuple(notes),
        tuple(warnings),
    )


IMPLAUSIBLE_PREMIUM_PCT = 20.0
"""Arbitrage keeps an ETF's price near its IOPV: beyond ±20% the price or the IOPV is wrong (a spot price x100
gave a 9818.76% premium, stated without a caveat)."""


def implausible_premium(etf: str, as_of: dt.date, premium: float | None) -> str | None:
    """A warning when a premium is beyond what arbitrage allows, else None."""
    if premium is None or abs(premium) <= IMPLAUSIBLE_PREMIUM_PCT:
        return None
    return (
        f"The premium of {etf} to IOPV on {as_of} computes to {premium:+.2f}%, beyond the ±"
        f"{IMPLAUSIBLE_PREMIUM_PCT:g}% an ETF trades at: the spot price or the IOPV is likely wrong "
        "(off by x100 or a shifted column), so the premium is not reliable."
    )


def _convention_note(convention: Convention) -> str:
    return {
        "premium": "基金折价率 is a premium rate here: it equals (最新价 / IOPV − 1) × 100.",
        "discount": "基金折价率 is a discount rate here: it equals (IOPV − 最新价) / IOPV × 100, the negative "
        "of the premium.",
        "undetermined": "Premium is within tolerance of 0, so the sign convention of 基金折价率 cannot be told.",
        "mismatch": "基金折价率 matches neither convention; our own premium is used.",
        "unavailable": "基金折价率 or IOPV missing: the sign convention was not checked.",
    }[convention]


def closing_premium_pct(
    etf_bars: pd.DataFrame, nav_history: pd.DataFrame, day: dt.date, *, nav_column: str = "nav"
) -> tuple[dt.date, float] | None:
    """Close-vs-NAV premium (%) on `day` from ETF bars and a NAV-history frame (columns date, `nav_column`).

    Meant to feed `compute_premium(prev_premium_pct=...)` from e.g. fund_etf_fund_info_em's 单位净值 once
    that frame is recorded. It is on a different basis (published NAV at the close, not the intraday IOPV),
    which the caller should say via `prev_basis_note`. None when either value is missing on `day`."""
    if nav_history is None or nav_history.empty:
        return None
    navs = {
        to_date(d): float(v)
        for d, v in zip(nav_history["date"], nav_history[nav_column], strict=True)
        if v is not None and not pd.isna(v)
    }
    close = close_on_or_before(closes(etf_bars), day)
    if day not in navs or navs[day] <= 0 or close is None or close[0] != day:
        return None
    return day, premium_pct(close[1], navs[day])
