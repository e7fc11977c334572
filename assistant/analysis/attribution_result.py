"""What an attribution produces: each constituent's move, the sums by industry, and the `Attribution` with all
of them and every number as a Figure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from assistant.analysis.figures import FactName, Figure
from assistant.analysis.prices import CONTRIBUTION_SOURCE, RESIDUAL_SOURCE, STOCK_SOURCE, WEIGHTS_SOURCE

UNCLASSIFIED = "未分类"
"""Canonical industry key for a constituent whose 行业 is unknown (data is Chinese, so the key is too)."""


@dataclass(frozen=True)
class ConstituentMove:
    """One constituent's drifted weight, return and contribution on the trade date.

    `return_pct` is None when the stock did not trade on T (`suspended`) or has no usable prices (not
    `priced`); both contribute 0. `weight_drifted_pct` is None for an unpriced constituent (it is left out
    of the renormalisation)."""

    code: str
    name: str
    industry: str  # UNCLASSIFIED when unknown
    weight_file_pct: float
    weight_drifted_pct: float | None
    return_pct: float | None
    contribution_pp: float
    suspended: bool
    priced: bool = True
    base_close: float | None = None  # P_i(d), or the nearest earlier close
    base_close_date: dt.date | None = None
    prev_close: float | None = None  # last close before T
    prev_close_date: dt.date | None = None
    close: float | None = None  # close on T
    note: str | None = None


@dataclass(frozen=True)
class IndustryMove:
    """Sum over the constituents of one industry."""

    industry: str
    weight_drifted_pct: float
    contribution_pp: float
    count: int

    @property
    def return_pct(self) -> float | None:
        """Weight-averaged return of the industry's constituents (contribution / weight)."""
        if self.weight_drifted_pct == 0:
            return None
        return self.contribution_pp / self.weight_drifted_pct * 100.0


@dataclass(frozen=True)
class Attribution:
    """The index move on `trade_date` decomposed over constituents (pp of index return)."""

    index: str
    trade_date: dt.date
    weights_date: dt.date
    index_return_pct: float | None
    constituents: tuple[ConstituentMove, ...]  # in weight-file order (weight descending)
    industries: tuple[IndustryMove, ...]  # by contribution descending
    contribution_sum_pp: float
    residual_pp: float | None  # index_return_pct - contribution_sum_pp
    top_n: int
    top_contributors: tuple[ConstituentMove, ...]  # largest contributions first
    bottom_contributors: tuple[ConstituentMove, ...]  # most negative contributions first
    top_gainers: tuple[ConstituentMove, ...]  # by return, traded only
    top_losers: tuple[ConstituentMove, ...]
    drivers: tuple[ConstituentMove, ...]  # top N in the direction of the index move
    top_n_share_pct: float | None  # Σ drivers' contributions / index return × 100
    suspended: tuple[str, ...]
    unpriced: tuple[str, ...]
    warnings: tuple[str, ...]
    notes: tuple[str, ...]

    def figures(self) -> list[Figure]:
        """Every number of the attribution as a Figure (unrounded)."""
        t = self.trade_date
        drift_note = f"weights dated {self.weights_date}, drifted by price to the close before {t}"
        out: list[Figure] = []
        for c in self.constituents:
            if not c.priced:
                continue
            out.append(
                Figure(
                    FactName.CONSTITUENT_WEIGHT_PCT,
                    c.code,
                    c.weight_drifted_pct or 0.0,
                    "%",
                    t,
                    CONTRIBUTION_SOURCE,
                    drift_note,
                )
            )
            out.append(
                Figure(
                    FactName.CONSTITUENT_WEIGHT_FILE_PCT,
                    c.code,
                    c.weight_file_pct,
                    "%",
                    self.weights_date,
                    WEIGHTS_SOURCE,
                )
            )
            if c.return_pct is not None:
                out.append(
                    Figure(
                        FactName.CONSTITUENT_RETURN_PCT,
                        c.code,
                        c.return_pct,
                        "%",
                        t,
                        STOCK_SOURCE,
                        f"close {t} vs previous close {c.prev_close_date}",
                    )
                )
            out.append(
                Figure(
                    FactName.CONSTITUENT_CONTRIBUTION_PP,
                    c.code,
                    c.contribution_pp,
                    "pp",
                    t,
                    CONTRIBUTION_SOURCE,
                    "suspended on this day: contributes 0" if c.suspended else None,
                )
            )
        for ind in self.industries:
            out.append(
                Figure(
                    FactName.INDUSTRY_CONTRIBUTION_PP,
                    ind.industry,
                    ind.contribution_pp,
                    "pp",
                    t,
                    CONTRIBUTION_SOURCE + "+stock_individual_info_em",
                )
            )
            out.append(
                Figure(
                    FactName.INDUSTRY_WEIGHT_PCT,
                    ind.industry,
                    ind.weight_drifted_pct,
                    "%",
                    t,
                    CONTRIBUTION_SOURCE + "+stock_individual_info_em",
                    drift_note,
                )
            )
        out.append(
            Figure(
                FactName.CONTRIBUTION_SUM_PP,
                self.index,
                self.contribution_sum_pp,
                "pp",
                t,
                CONTRIBUTION_SOURCE,
                f"sum over {len(self.constituents)} constituents",
            )
        )
        if self.residual_pp is not None:
            out.append(
                Figure(
                    FactName.ATTRIBUTION_RESIDUAL_PP,
                    self.index,
                    self.residual_pp,
                    "pp",
                    t,
                    RESIDUAL_SOURCE,
                    "index return minus the sum of contributions",
                )
            )
        if self.top_n_share_pct is not None:
            codes = ",".join(c.code for c in self.drivers)
            out.append(
                Figure(
                    FactName.TOP_N_SHARE_PCT,
                    self.index,
                    self.top_n_share_pct,
                    "%",
                    t,
                    RESIDUAL_SOURCE,
                    f"top {self.top_n} contributors in the direction of the move ({codes}) "
                    "as a share of the index return",
                )
            )
        return out
