"""A number that can be cited: value, unit, as-of date and the AKShare frame it came from.

`Figure` is the one record of a fact inside the assistant: analysis computes it, the tools return it (their
pydantic results hold it as is), the answerers print it and the ledger turns it into the public
`assistant.answer.schema.Fact`. Keeping one shape means no conversions between copies that could drift.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Final, Literal


@dataclass(frozen=True)
class Figure:
    """One computed figure. `value` is unrounded; rounding happens only when it is presented.

    `name` and `subject` follow the fact names of the answer object (e.g. `etf_return_pct` / `560500`,
    `constituent_contribution_pp` / `600549`); `source` is the AKShare function (or functions, joined by
    "+") whose frame produced it, so an answer can cite the data behind every number.

    `id` ("name|subject|as_of") is the evidence id a model or a client refers to a figure by; it is derived from
    the other fields, never passed.
    """

    # Declared first and `init=False`: figures are still built positionally, and a pydantic tool result holding
    # them serialises the id first, as tool results always have (the docstring above reaches MCP clients).
    id: str = field(init=False, default="", repr=False, compare=False)
    name: str
    subject: str
    value: float
    unit: str  # "%", "pp", "份", "元", "元/份", "points", ...
    as_of: dt.date
    source: str
    note: str | None = None

    def __post_init__(self) -> None:
        # A timestamp would give two ids (and two facts) to one day's figure, and a numpy scalar would leak
        # into JSON: normalise once here, where every figure is born.
        if isinstance(self.as_of, dt.datetime):
            object.__setattr__(self, "as_of", self.as_of.date())
        object.__setattr__(self, "value", float(self.value))
        object.__setattr__(self, "id", f"{self.name}|{self.subject}|{self.as_of.isoformat()}")

    @property
    def cite(self) -> str:
        """The data citation id: the first AKShare function of `source` (the frame an answer cites)."""
        return self.source.split("+")[0].strip()


# ------------------------------------------------------------------------------------------ fact names

Kind = Literal["etf", "index"]
"""Which security a close/return figure is of: the ETF or the index it tracks."""

_SINCE = re.compile(r"_since_(\d{8})")


def period_tag(start: dt.date) -> str:
    """Name suffix of the change figures of a flows period that starts on a chosen day (`_since_20251231`).

    Such a period gets its own names because one answer may hold it and the default one-month period, both
    ending on the same day: with one name the ledger would see two values for one fact."""
    return f"_since_{start:%Y%m%d}"


class FactName:
    """Every fact name, spelled once. Analysis names its figures with these; tools, answerers, the answer
    check and the eval gold look figures up by them. A name is part of the public answer object (`facts`), so
    these are plain `str` values: JSON and comparisons with names read from an answer are unchanged.

    Names with a period in them (a custom flows period, an ETF's or an index's close) are built by the static
    methods below, so no name is assembled anywhere else either.
    """

    # The ETF on a day: quote, move, premium, trading activity.
    ETF_CLOSE: Final = "etf_close"
    ETF_PREV_CLOSE: Final = "etf_prev_close"
    ETF_RETURN_PCT: Final = "etf_return_pct"
    ETF_PRICE: Final = "etf_price"
    ETF_IOPV: Final = "etf_iopv"
    ETF_PREMIUM_PCT: Final = "etf_premium_pct"
    ETF_PREMIUM_CHANGE_PP: Final = "etf_premium_change_pp"
    ETF_REPORTED_DISCOUNT_RATE_PCT: Final = "etf_reported_discount_rate_pct"
    ETF_TURNOVER_RATE_PCT: Final = "etf_turnover_rate_pct"
    ETF_VOLUME_UNITS: Final = "etf_volume_units"
    ETF_AMOUNT_YUAN: Final = "etf_amount_yuan"
    # The tracked index on a day.
    INDEX_CLOSE: Final = "index_close"
    INDEX_PREV_CLOSE: Final = "index_prev_close"
    INDEX_RETURN_PCT: Final = "index_return_pct"
    # Returns over a period (from the close of its baseline day).
    ETF_PERIOD_RETURN_PCT: Final = "etf_period_return_pct"
    INDEX_PERIOD_RETURN_PCT: Final = "index_period_return_pct"
    TRACKING_DIFFERENCE_PP: Final = "tracking_difference_pp"
    TRACKING_DIFFERENCE_PERIOD_PP: Final = "tracking_difference_period_pp"
    # Units and scale (flows): levels, and changes over the default period ("") and the day ("_1d").
    ETF_UNITS: Final = "etf_units"
    ETF_SCALE_YUAN: Final = "etf_scale_yuan"
    ETF_UNITS_CHANGE: Final = "etf_units_change"
    ETF_UNITS_CHANGE_PCT: Final = "etf_units_change_pct"
    ETF_SCALE_CHANGE_YUAN: Final = "etf_scale_change_yuan"
    ETF_UNITS_CHANGE_1D: Final = "etf_units_change_1d"
    ETF_UNITS_CHANGE_1D_PCT: Final = "etf_units_change_1d_pct"
    SCALE_CHANGE: Final = "etf_scale_change"
    """The stem of the scale change figures (`scale_change_yuan`); not a name itself."""
    DAY: Final = "_1d"
    """The tag of the day's change figures (`ETF_UNITS_CHANGE_1D`); the default period's tag is ""."""
    # Attribution of the index move to constituents and industries.
    CONSTITUENT_WEIGHT_PCT: Final = "constituent_weight_pct"
    CONSTITUENT_WEIGHT_FILE_PCT: Final = "constituent_weight_file_pct"
    CONSTITUENT_RETURN_PCT: Final = "constituent_return_pct"
    CONSTITUENT_CONTRIBUTION_PP: Final = "constituent_contribution_pp"
    INDUSTRY_CONTRIBUTION_PP: Final = "industry_contribution_pp"
    INDUSTRY_WEIGHT_PCT: Final = "industry_weight_pct"
    CONTRIBUTION_SUM_PP: Final = "contribution_sum_pp"
    ATTRIBUTION_RESIDUAL_PP: Final = "attribution_residual_pp"
    TOP_N_SHARE_PCT: Final = "top_n_share_pct"
    TOP_N_COUNT: Final = "top_n_count"
    # The index's weight file.
    TOP_N_WEIGHT_PCT: Final = "top_n_weight_pct"
    TOP_N_WEIGHT_FILE_SUM_PCT: Final = "top_n_weight_file_sum_pct"  # eval gold: subject "index:N"
    CONSTITUENTS_COUNT: Final = "constituents_count"
    # How many constituents moved the index each way (a ranked list shorter than asked says so).
    POSITIVE_CONTRIBUTORS_COUNT: Final = "positive_contributors_count"
    NEGATIVE_CONTRIBUTORS_COUNT: Final = "negative_contributors_count"
    # Positions an answer states ("the 3rd largest contributor").
    CONSTITUENT_CONTRIBUTION_RANK: Final = "constituent_contribution_rank"
    INDUSTRY_CONTRIBUTION_RANK: Final = "industry_contribution_rank"
    CONSTITUENT_WEIGHT_RANK: Final = "constituent_weight_rank"
    # The fund profile (fund_overview_em).
    FUND_ASSET_SIZE_YUAN: Final = "fund_asset_size_yuan"
    FUND_UNITS: Final = "fund_units"
    # What an answer states besides market figures.
    COMPARISON_DIFFERENCE: Final = "comparison_difference"
    CODE_AS_TYPED: Final = "code_as_typed"
    PUBLISHED_AT: Final = "published_at"

    SUBJECT_KINDS: Final = ("etf", "index", "constituent", "industry")

    # -- names built from a kind or a period ------------------------------------------------------------
    @staticmethod
    def close(kind: Kind) -> str:
        return FactName.ETF_CLOSE if kind == "etf" else FactName.INDEX_CLOSE

    @staticmethod
    def prev_close(kind: Kind) -> str:
        return FactName.ETF_PREV_CLOSE if kind == "etf" else FactName.INDEX_PREV_CLOSE

    @staticmethod
    def return_pct(kind: Kind) -> str:
        return FactName.ETF_RETURN_PCT if kind == "etf" else FactName.INDEX_RETURN_PCT

    @staticmethod
    def period_return_pct(kind: Kind) -> str:
        return FactName.ETF_PERIOD_RETURN_PCT if kind == "etf" else FactName.INDEX_PERIOD_RETURN_PCT

    @staticmethod
    def contributors_count(sign: float) -> str:
        """How many constituents contributed in the direction of `sign` (negative: dragged)."""
        return FactName.NEGATIVE_CONTRIBUTORS_COUNT if sign < 0 else FactName.POSITIVE_CONTRIBUTORS_COUNT

    @staticmethod
    def units_change(tag: str = "") -> str:
        """Units change over a period: tag "" (the default period), `DAY` or a `period_tag`."""
        return f"{FactName.ETF_UNITS_CHANGE}{tag}"

    @staticmethod
    def units_change_pct(tag: str = "") -> str:
        return f"{FactName.ETF_UNITS_CHANGE}{tag}_pct"

    @staticmethod
    def scale_change_yuan(tag: str = "") -> str:
        return f"{FactName.SCALE_CHANGE}{tag}_yuan"

    # -- reading a name ---------------------------------------------------------------------------------
    @staticmethod
    def about(name: str) -> str | None:
        """The kind of subject a fact is about, from its name's first word: one of `SUBJECT_KINDS`, else None."""
        head = name.split("_", 1)[0]
        return head if head in FactName.SUBJECT_KINDS else None

    @staticmethod
    def since(name: str) -> dt.date | None:
        """The start day a `period_tag` in the name gives (None: no custom period)."""
        tag = _SINCE.search(name)
        return dt.datetime.strptime(tag.group(1), "%Y%m%d").date() if tag else None

    @staticmethod
    def is_period_change(name: str) -> bool:
        """A units or scale change over a period (default or custom), not over the day."""
        return (
            name.startswith((FactName.ETF_UNITS_CHANGE, FactName.SCALE_CHANGE)) and FactName.DAY not in name
        )

    @staticmethod
    def is_span(name: str) -> bool:
        """A figure that runs over a span of days (a period return, a period's change), not one day."""
        return "_period_" in name or "_since_" in name or FactName.is_period_change(name)
