"""The two shapes ingestion passes around: a loaded item (one citable article or document) and its chunks."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["news", "document"]


@dataclass(frozen=True)
class IngestItem:
    """One citable unit after loading: a news article or a whole document as text.

    `text` of a document is Markdown-ish (headings as `#` lines) whatever its file format, so one chunker fits all.
    `origin` says where it came from (file, file:line) for reports.
    """

    citation_id: str
    kind: Kind
    title: str
    text: str
    published_at: dt.datetime | None = None  # tz-aware; None for undated documents (always eligible)
    source: str | None = None
    url: str | None = None
    language: str | None = None
    symbols: tuple[str, ...] = ()
    origin: str = ""

    def content_hash(self, salt: str = "") -> str:
        """Hash of everything that ends up in the store; `salt` carries the chunker settings so resizing re-chunks."""
        payload = json.dumps(
            [
                self.citation_id,
                self.kind,
                self.title,
                self.text,
                self.published_at.isoformat() if self.published_at else None,
                self.source,
                self.url,
                self.language,
                sorted(self.symbols),
                salt,
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Chunk:
    """A piece of an item as stored: `text` is what is embedded and BM25-indexed (context header included)."""

    chunk_id: str
    citation_id: str
    index: int
    text: str
    metadata: dict[str, str | int | float | bool] = field(default_factory=dict)


def chunk_id_for(citation_id: str, doc_hash: str, index: int, text: str) -> str:
    """Content-addressed id scoped by citation id: a new version of a document never reuses an old chunk's id."""
    digest = hashlib.sha256(f"{doc_hash}\x00{index}\x00{text}".encode()).hexdigest()[:20]
    return f"{citation_id}#{digest}"
