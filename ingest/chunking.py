"""Chinese-aware chunking: split on headings first, then on paragraph and sentence ends (。！？； and . ! ? ;).

Every chunk of a document carries its heading path in front of its text, so a clause such as "样本每半年调整一次"
is always embedded and indexed together with the heading that gives it meaning ("4 样本调整"); a section shorter
than the chunk size stays whole. News chunks carry the article title for the same reason.

Sizes are in characters (a Chinese character is roughly one token for the embedders used here) and were chosen on
the retrieval benchmark (`market-assistant bench retrieval --chunk-size N`).
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.market.resolve.language import detect_language as detect_text_language
from assistant.private_cache import package_version
from assistant.retrieval.filters import symbol_key
from assistant.retrieval.safety import QUARANTINE_KEY, screen
from ingest.items import Chunk, IngestItem, chunk_id_for
from ingest.section_cache import SectionCache
from ingest.symbols import SymbolTagger

if TYPE_CHECKING:
    from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

# Coarse to fine. English sentence ends need a following space so "3.5%" or "600549.SH" are never split.
SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", "! ", "? ", ". ", "; ", "，", ", ", "、", " ", ""]
_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]
# Headers are repeated in front of every chunk, so they are bounded: a 400k-character title used to become one
# 400k-character chunk (and minutes of embedding without progress). What a bound cuts is kept as text instead: an
# over-long title is also the first paragraph of the text, an over-long heading line is demoted to a paragraph.
MAX_TITLE_CHARS = 160
MAX_HEADING_CHARS = 80
_LONG_HEADING = re.compile(rf"^#{{1,6}}[ \t]+(?=[^\n]{{{MAX_HEADING_CHARS + 1},}}$)", re.M)


def bounded(text: str, limit: int) -> str:
    """`text` cut to `limit` characters (an ellipsis marks the cut)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class ChunkerConfig:
    news_chunk_size: int = 360
    doc_chunk_size: int = 360
    overlap: int = 40

    def signature(self) -> str:
        """Part of every document's content hash: changing sizes makes re-ingest re-chunk instead of skip.
        chunker/2: every chunk carries the injection screening's mark; chunker/3: titles and headings bounded
        (an older store is re-chunked once, its vectors mostly from the embedding cache)."""
        return f"chunker/3:{self.news_chunk_size}:{self.doc_chunk_size}:{self.overlap}"


class Chunker:
    """Turns an IngestItem into stored Chunks with the metadata retrieval filters on."""

    def __init__(
        self,
        config: ChunkerConfig | None = None,
        tagger: SymbolTagger | None = None,
        cache: SectionCache | None = None,
    ) -> None:
        """`cache`: sections of documents split before (by content hash), e.g. `SectionCache.for_user`."""
        self.config = config or ChunkerConfig()
        self.tagger = tagger or SymbolTagger()
        self.cache = cache

    # The splitters are built on first use: importing langchain_text_splitters costs ~0.2 s, which a re-ingest that
    # finds everything unchanged (every cold `ask` checks), or every section in the cache, never needs.
    @cached_property
    def _news(self) -> RecursiveCharacterTextSplitter:
        return _splitter(self.config.news_chunk_size, self.config.overlap)

    @cached_property
    def _doc(self) -> RecursiveCharacterTextSplitter:
        return _splitter(self.config.doc_chunk_size, self.config.overlap)

    @cached_property
    def _headers(self) -> MarkdownHeaderTextSplitter:
        from langchain_text_splitters import MarkdownHeaderTextSplitter

        return MarkdownHeaderTextSplitter(_HEADERS, strip_headers=True)

    def sections(self, item: IngestItem) -> list[tuple[str, str]]:
        """(heading path, piece) pairs; the heading path is '' for news and for text before any heading."""
        text = item.text
        if len(item.title) > MAX_TITLE_CHARS:  # the header carries a cut title: the whole one is text
            text = f"{item.title}\n\n{text}"
        if item.kind == "news":
            return [("", p) for p in self._news.split_text(text)]
        out: list[tuple[str, str]] = []
        for section in self._headers.split_text(_LONG_HEADING.sub("", text)):
            path = " > ".join(str(section.metadata[k]) for _, k in _HEADERS if k in section.metadata)
            body = section.page_content.replace("  \n", "\n\n").strip()
            if not body:
                continue
            out.extend((path, piece) for piece in self._doc.split_text(body))
        return out

    def _sections(self, item: IngestItem, doc_hash: str) -> list[tuple[str, str]]:
        cached = self.cache.get(doc_hash) if self.cache is not None else None
        if cached is not None:
            return cached
        sections = self.sections(item)
        if self.cache is not None:
            self.cache.put(doc_hash, sections)
        return sections

    def chunk(self, item: IngestItem, doc_hash: str, quarantined: bool | None = None) -> list[Chunk]:
        """The item's chunks; all of them are marked quarantined when the item (headline or text) is flagged as
        an injection attempt (`quarantined`: the caller's screening, else screened here)."""
        if quarantined is None:
            quarantined = screen(item.title, item.text) is not None
        item_symbols = self.tagger.tag(item.symbols, item.title, item.text if item.kind == "news" else "")
        title = bounded(item.title, MAX_TITLE_CHARS)
        chunks: list[Chunk] = []
        for index, (path, piece) in enumerate(self._sections(item, doc_hash)):
            header = title if item.kind == "news" else _doc_header(title, path)
            text = f"{header}\n{piece}" if header and not piece.startswith(header) else piece
            symbols = self.tagger.tag(item_symbols, piece if item.kind == "document" else "", path)
            chunks.append(
                Chunk(
                    chunk_id=chunk_id_for(item.citation_id, doc_hash, index, text),
                    citation_id=item.citation_id,
                    index=index,
                    text=text,
                    metadata=chunk_metadata(item, doc_hash, index, path, symbols, quarantined, title),
                )
            )
        return chunks


@functools.cache
def splitting_code() -> str:
    """This module's source and the text splitters' version: what a section cache's entries depend on."""
    splitters = package_version("langchain-text-splitters") or "none"
    source = Path(__file__).read_bytes()
    return hashlib.sha256(source + b"\0" + splitters.encode()).hexdigest()[:16]


def _splitter(size: int, overlap: int) -> RecursiveCharacterTextSplitter:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        chunk_size=size,
        chunk_overlap=min(overlap, size // 4),
        separators=SEPARATORS,
        keep_separator="end",
        strip_whitespace=True,
    )


def _doc_header(title: str, path: str) -> str:
    """Title plus heading path, without repeating the title when it is also the top heading."""
    if not path:
        return title
    if title and not path.startswith(title):
        return f"{title} > {path}"
    return path


def chunk_metadata(
    item: IngestItem,
    doc_hash: str,
    index: int,
    section: str,
    symbols: tuple[str, ...],
    quarantined: bool = False,
    title: str | None = None,
) -> dict[str, str | int | float | bool]:
    """Flat, portable Chroma metadata: no None values, no lists. `title`: the bounded title."""
    meta: dict[str, str | int | float | bool] = {
        "citation_id": item.citation_id,
        "kind": item.kind,
        "title": title if title is not None else bounded(item.title, MAX_TITLE_CHARS),
        "doc_hash": doc_hash,
        "chunk_index": index,
        "published_at_ts": int(item.published_at.timestamp()) if item.published_at else 0,
        "symbols": ",".join(symbols),
        QUARANTINE_KEY: quarantined,
    }
    optional = {
        "source": item.source,
        "url": item.url,
        "language": item.language or detect_language(item.text),
        "published_at": item.published_at.isoformat() if item.published_at else None,
        "section": section or None,
    }
    meta.update({k: v for k, v in optional.items() if v})
    meta.update({symbol_key(s): True for s in symbols})
    return meta


def detect_language(text: str) -> str:
    """A chunk's label: the product's one detector over its first 2,000 characters ('en' when it has no words)."""
    return detect_text_language(text[:2000], default="en")
