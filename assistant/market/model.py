"""Plain data shared by the market layer and everything above it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Origin = Literal["recorded", "sample", "synthetic", "live"]

# The one home of these constants: everything above the market layer imports them from here.
SNAPSHOT_FORMAT = "market-snapshot/1"
CHINA_TZ = dt.timezone(dt.timedelta(hours=8))  # A-share trading days and closes are in UTC+8 (no DST)
# Files read as documents, in a snapshot's documents/ folder or given to `ingest` loose.
DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf")
# How answers name an origin: a sample or recorded number never passes for live.
ORIGIN_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "sample": "样例数据（sample）",
        "synthetic": "合成数据（synthetic）",
        "recorded": "录制数据（recorded）",
        "live": "实时数据（live）",
    },
    "en": {
        "sample": "sample data",
        "synthetic": "synthetic data",
        "recorded": "recorded data",
        "live": "live data",
    },
}


def origin_label(origin: str, language: str = "en") -> str:
    """ "sample data" / "样例数据（sample）"...; an unknown origin is named as is."""
    return ORIGIN_LABELS.get(language, ORIGIN_LABELS["en"]).get(origin, origin)


@dataclass(frozen=True)
class SourceInfo:
    """Where numbers come from and how fresh they are; every answer states it."""

    origin: Origin
    trade_date: dt.date  # "today" for every question answered from this source
    as_of: dt.datetime  # tz-aware; nothing published after it is ever returned
    akshare_version: str | None = None


@dataclass(frozen=True)
class Article:
    """A news item; `id` is its citation id (news `id`, or derived from a stock_news_em 新闻链接)."""

    id: str
    title: str
    body: str
    published_at: dt.datetime  # tz-aware
    source: str | None = None
    url: str | None = None
    language: str | None = None
    symbols: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    """A methodology document, fund contract or factsheet; `id` is its path under documents/ without extension."""

    id: str
    path: str  # absolute path of the file
    title: str | None = None
    published_at: dt.datetime | None = None
    source: str | None = None
    url: str | None = None
    symbols: tuple[str, ...] = ()
    meta: dict[str, object] = field(default_factory=dict)
