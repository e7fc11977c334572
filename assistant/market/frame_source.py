"""`FrameSource`: what MarketData reads from, a recorded (snapshot) or live (AKShare) supplier of normalised
AKShare frames."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol

import pandas as pd

from assistant.market.frame_files import FramePart
from assistant.market.model import Article, Document, SourceInfo


class FrameSource(Protocol):
    """A recorded (snapshot) or live (AKShare) supplier of normalised AKShare frames."""

    @property
    def info(self) -> SourceInfo: ...

    @property
    def label(self) -> str:
        """How messages name the source ("snapshot sample-560500-2026-01-09", "live AKShare")."""
        ...

    @property
    def immutable(self) -> bool:
        """True when every fetch of the same key returns the same rows for the life of the source (a snapshot):
        MarketData then memoises its parsed, typed results."""
        ...

    def fetch(self, function: str, params: dict[str, str]) -> pd.DataFrame:
        """The normalised frame of one call-plan call (AKShare's Chinese column names, proper dtypes).

        `start_date` / `end_date` in `params` (YYYYMMDD) filter rows rather than select a frame.
        Raises NotFoundError when nothing is recorded / upstream returned no rows, UpstreamError when a live
        source fails."""
        ...

    def universe(self) -> dict[str, str]:
        """ETF code -> tracked index code."""
        ...

    def articles(self) -> list[Article]:
        """News articles known to this source (snapshot news/*.jsonl and stock_news_em frames)."""
        ...

    def documents(self) -> list[Document]: ...

    def calls(self, function: str) -> list[dict[str, str]]:
        """Params of every call of `function` recorded (a snapshot) or made so far (live)."""
        ...

    def recorded(self, function: str, params: Mapping[str, Any]) -> pd.DataFrame:
        """The whole frame of a call, without date filtering or copying (read-only): what MarketData memoises."""
        ...

    def recorded_parts(self, function: str) -> list[tuple[dict[str, str], FramePart]]:
        """Every recorded frame of `function` as (params, part): parts sharing a group frame let MarketData type
        them in one pass. [] when the source records nothing (live)."""
        ...

    def trading_days(self) -> list[dt.date] | None:
        """The source's trading calendar, or None: MarketData then derives it from the recorded bars."""
        ...
