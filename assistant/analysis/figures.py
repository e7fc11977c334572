"""A number that can be cited: value, unit, as-of date and the AKShare frame it came from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One computed figure. `value` is unrounded; rounding happens only when it is presented.

    `name` and `subject` follow the fact names of the answer object (e.g. `etf_return_pct` / `560500`,
    `constituent_contribution_pp` / `600549`); `source` is the AKShare function (or functions, joined by
    "+") whose frame produced it, so an answer can cite the data behind every number.
    """

    name: str
    subject: str
    value: float
    unit: str  # "%", "pp", "份", "元", "元/份", "points", ...
    as_of: dt.date
    source: str
    note: str | None = None
