"""A number that can be cited: value, unit, as-of date and the AKShare frame it came from.

`Figure` is the one record of a fact inside the assistant: analysis computes it, the tools return it (their
pydantic results hold it as is), the answerers print it and the ledger turns it into the public
`assistant.answer.schema.Fact`. Keeping one shape means no conversions between copies that could drift.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Figure:
    """One computed figure. `value` is unrounded; rounding happens only when it is presented.

    `name` and `subject` follow the fact names of the answer object (e.g. `etf_return_pct` / `560500`,
    `constituent_contribution_pp` / `600549`); `source` is the AKShare function (or functions, joined by
    "+") whose frame produced it, so an answer can cite the data behind every number.

    `id` ("name|subject|as_of") is the evidence id a model or a client refers to a figure by. It is derived, not
    passed: declared first (with `init=False`) so the figures keep being built positionally while a pydantic
    result that holds them still serialises it, first, as tool results always have.
    """

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
