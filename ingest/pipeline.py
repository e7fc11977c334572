"""The idempotent ingest pipeline: load -> skip unchanged (by content hash, before embedding) -> chunk -> embed ->
write whole documents atomically -> report.

Entry points: `ingest_paths` (loose files and folders), `ingest_snapshot` (a snapshot folder), `ingest_source`
(any FrameSource: snapshot or live AKShare, whose stock_news_em rows arrive as Articles) and `ingest_items`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.market.manifest import is_snapshot_folder, manifest_as_of, read_manifest
from assistant.market.model import DOCUMENT_SUFFIXES
from assistant.retrieval.safety import screen
from assistant.retrieval.store import RESERVED_IDS, ChunkStore, DocRecord
from ingest.chunking import Chunker, ChunkerConfig
from ingest.identity import conflict_note, identify_loose_documents
from ingest.items import IngestItem
from ingest.loaders import (
    LoadError,
    LoadResult,
    Rejection,
    article_to_item,
    document_to_item,
    load_file,
    load_paths,
)
from ingest.report import IngestReport, ItemOutcome, Progress, ProgressCallback, Status
from ingest.symbols import SymbolTagger, lexicon_from_registry, lexicon_from_snapshot

DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024


class Ingestor:
    """Writes IngestItems into a ChunkStore; one instance per ingest run."""

    def __init__(
        self,
        store: ChunkStore,
        *,
        lexicon: Mapping[str, str] | None = None,
        chunker: ChunkerConfig | None = None,
        batch_chunks: int = 256,
        progress: ProgressCallback | None = None,
        by_path: bool = False,
    ) -> None:
        """`by_path`: loose files, whose documents are identified by source path (ingest/identity.py)."""
        self.by_path = by_path
        self.store = store
        self.lexicon = dict(lexicon or {})
        self.chunker = Chunker(chunker, SymbolTagger(lexicon))
        self.batch_chunks = batch_chunks
        self.progress = progress or (lambda p: None)
        self._screened: dict[str, str] = {}  # citation id -> why it is quarantined ("" when clean)
        self._total = self._written = 0  # chunks to embed in this run, chunks written so far
        self._shown = -1  # the last progress shown

    def run(self, loaded: LoadResult, as_of: dt.datetime | None = None) -> IngestReport:
        """The whole read-manifest -> write sequence holds the store's writer lock (one writer per store)."""
        writing = getattr(self.store, "writing", None)
        with writing() if writing is not None else nullcontext():
            return self._run(loaded, as_of)

    def _run(self, loaded: LoadResult, as_of: dt.datetime | None) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport(notes=list(loaded.notes))
        report.outcomes += [ItemOutcome(r.item, "rejected", r.reason) for r in loaded.rejected]
        manifest = self.store.manifest()
        loaded_items = loaded.items
        if self.by_path:
            loaded_items = identify_loose_documents(loaded_items, manifest, report.notes)
        items = self._dedupe(loaded_items, report)
        signature = self.chunker.config.signature()
        pending: list[tuple[IngestItem, str, Status]] = []
        self._screened = {i.citation_id: screen(i.title, i.text) or "" for i in items}
        for item in items:
            doc_hash = item.content_hash(signature)
            known = manifest.get(item.citation_id)
            if known and known.doc_hash == doc_hash:
                report.outcomes.append(
                    ItemOutcome(
                        item.citation_id,
                        "unchanged",
                        chunks=known.chunks,
                        kind=item.kind,
                        quarantined=self._screened[item.citation_id],
                    )
                )
            else:
                pending.append((item, doc_hash, "replaced" if known else "added"))
                note = conflict_note(item, known) if known and self.by_path else None
                if note:
                    report.notes.append(note)
            if as_of and item.published_at and item.published_at > as_of:
                report.notes.append(
                    f"{item.citation_id}: published {item.published_at.isoformat()} after as_of "
                    f"{as_of.isoformat()}; stored, served only for later as-of"
                )
        try:
            self._write(pending, report)
        finally:
            cache = getattr(self.store, "embedding_cache", None)
            if cache is not None:
                cache.flush()  # keep what was encoded, even when a later write failed
        if self.lexicon and self.lexicon.items() - self.store.lexicon().items():
            self.store.add_lexicon(self.lexicon)
        report.seconds = time.perf_counter() - started
        self.progress(Progress("done", len(items), len(items)))
        return report

    def _dedupe(self, items: Sequence[IngestItem], report: IngestReport) -> list[IngestItem]:
        seen: dict[str, IngestItem] = {}
        for item in items:
            if not item.citation_id:
                report.outcomes.append(ItemOutcome(item.origin, "rejected", "empty citation id"))
            elif item.citation_id in RESERVED_IDS:
                report.outcomes.append(
                    ItemOutcome(
                        item.origin or item.citation_id,
                        "rejected",
                        f"citation id {item.citation_id!r} is reserved by the store",
                    )
                )
            elif not item.text.strip():
                report.outcomes.append(ItemOutcome(item.origin or item.citation_id, "rejected", "empty body"))
            elif item.citation_id in seen:
                report.outcomes.append(
                    ItemOutcome(
                        item.origin or item.citation_id,
                        "rejected",
                        f"duplicate citation id {item.citation_id!r} "
                        f"(first from {seen[item.citation_id].origin})",
                    )
                )
            else:
                seen[item.citation_id] = item
        return list(seen.values())

    def _write(self, pending: list[tuple[IngestItem, str, Status]], report: IngestReport) -> None:
        """Chunk, then embed batch by batch while a writer thread stores the previous batch (Chroma's work and the
        embedder's overlap); batches are written in order, each atomically, and the first failure stops the run."""
        chunked = []
        for item, doc_hash, status in pending:
            chunks = self.chunker.chunk(item, doc_hash, bool(self._screened.get(item.citation_id)))
            if not chunks:
                report.outcomes.append(
                    ItemOutcome(item.origin or item.citation_id, "rejected", "no text to index")
                )
                continue
            chunked.append((item, doc_hash, status, chunks))
        total = sum(len(c[3]) for c in chunked)
        self._total, self._written, self._shown = total, 0, -1
        self._show(0)
        batches: list[list[tuple[IngestItem, str, Status, list[Any]]]] = []
        batch: list[tuple[IngestItem, str, Status, list[Any]]] = []
        size = 0
        for entry in chunked:
            batch.append(entry)
            size += len(entry[3])
            if size >= self.batch_chunks:
                batches.append(batch)
                batch, size = [], 0
        if batch:
            batches.append(batch)
        if not batches:
            return
        if len(batches) == 1:
            self._store_batch(batches[0], self._embed(batches[0], report), report)
            self._show(total)
            return
        from concurrent.futures import Future, ThreadPoolExecutor

        done = 0
        writing: Future[int] | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-write") as writer:
            try:
                for batch in batches:
                    vectors = self._embed(batch, report)
                    if writing is not None:
                        done += writing.result()  # re-raises a failed write before anything else is queued
                        self._written = done
                        self._show(done)
                    writing = writer.submit(self._store_batch, batch, vectors, report)
                if writing is not None:
                    done += writing.result()
                    writing = None
                    self._written = done
                    self._show(done)
            finally:
                if writing is not None:
                    writing.cancel()

    def _show(self, done: int) -> None:
        """Progress in chunks, never going back (embedding runs ahead of writing)."""
        if done > self._shown:
            self._shown = done
            self.progress(Progress("embed", done, self._total))

    def _embed(self, batch: list[tuple[IngestItem, str, Status, list[Any]]], report: IngestReport) -> Any:
        """The batch's vectors, encoded window by window (a batch is whole documents, and one long document
        is thousands of chunks: it used to be one call with no progress for minutes)."""
        import numpy as np

        texts = [c.text for _, _, _, chunks in batch for c in chunks]
        t0 = time.perf_counter()
        cache = getattr(self.store, "embedding_cache", None)
        encode = self.store.embedder.embed_documents if cache is None else cache.embed_documents
        step = max(1, self.batch_chunks)
        if len(texts) <= step:
            vectors = encode(texts)
        else:
            parts = []
            for lo in range(0, len(texts), step):
                parts.append(np.asarray(encode(texts[lo : lo + step]), dtype=np.float32))
                self._show(self._written + lo + len(parts[-1]))
            vectors = np.concatenate(parts)
        report.embed_seconds += time.perf_counter() - t0
        return vectors

    def _store_batch(
        self, batch: list[tuple[IngestItem, str, Status, list[Any]]], vectors: Any, report: IngestReport
    ) -> int:
        writes, offset = [], 0
        for item, doc_hash, _, chunks in batch:
            writes.append(
                (
                    DocRecord(item.citation_id, doc_hash, item.kind, len(chunks), item.origin),
                    chunks,
                    vectors[offset : offset + len(chunks)],
                )
            )
            offset += len(chunks)
        self.store.write_documents(writes)
        for item, _, status, chunks in batch:
            report.outcomes.append(
                ItemOutcome(
                    item.citation_id,
                    status,
                    chunks=len(chunks),
                    kind=item.kind,
                    quarantined=self._screened.get(item.citation_id, ""),
                )
            )
        report.chunks_written += offset
        return offset


def ingest_items(items: Sequence[IngestItem], store: ChunkStore, **kwargs: Any) -> IngestReport:
    as_of = kwargs.pop("as_of", None)
    return Ingestor(store, **kwargs).run(LoadResult(items=list(items)), as_of=as_of)


def ingest_paths(
    paths: Sequence[Path | str],
    store: ChunkStore,
    *,
    lexicon: Mapping[str, str] | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    progress: ProgressCallback | None = None,
    chunker: ChunkerConfig | None = None,
) -> IngestReport:
    """Loose files or folders: .jsonl/.json articles, .md/.txt/.html/.pdf documents (folders walked)."""
    cb = progress or (lambda p: None)
    cb(Progress("load", 0, len(paths), "reading files"))
    loaded = load_paths([Path(p).absolute() for p in paths], max_file_bytes)  # origins identify documents
    return Ingestor(store, lexicon=lexicon, chunker=chunker, progress=progress, by_path=True).run(loaded)


def ingest_snapshot(
    snapshot: Path | str,
    store: ChunkStore,
    *,
    lexicon: Mapping[str, str] | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    progress: ProgressCallback | None = None,
    chunker: ChunkerConfig | None = None,
    registry: Path | None = None,
) -> IngestReport:
    """A snapshot's news/*.jsonl, documents/ and (via SnapshotSource) its stock_news_em frames.

    The lexicon for symbol tagging is built from the snapshot's own frames and the shipped ETF registry (with
    `registry`, settings.etf_registry, merged over it), then overlaid with the caller's. Articles published after the manifest's as_of are stored (a later as-of may use
    them) and listed in the report notes; searches filter them out for earlier as-of values.
    """
    root = Path(snapshot)
    cb = progress or (lambda p: None)
    cb(Progress("load", 0, 1, f"reading snapshot {root.name}"))
    loaded = LoadResult()
    if not root.is_dir():
        loaded.rejected.append(Rejection(str(root), "snapshot folder not found"))
    elif not is_snapshot_folder(root):  # never walk an arbitrary tree (--snapshot /usr)
        loaded.rejected.append(Rejection(str(root), "not a snapshot: no manifest.json"))
        return Ingestor(store, lexicon=lexicon, chunker=chunker, progress=progress).run(loaded)
    for f in sorted((root / "news").glob("*.jsonl")):
        if _outside(f, root, loaded):
            continue
        loaded.extend(load_file(f, None, max_file_bytes))
    docs_dir = root / "documents"
    if docs_dir.is_dir() and not _outside(docs_dir, root, loaded):
        for f in sorted(
            p for p in docs_dir.rglob("*") if (p.is_file() or p.is_symlink()) and not p.name.startswith(".")
        ):
            if _outside(f, root, loaded):
                continue
            if f.suffix.lower() in DOCUMENT_SUFFIXES:
                loaded.extend(load_file(f, docs_dir, max_file_bytes))
            else:
                loaded.rejected.append(Rejection(str(f), f"unsupported document type {f.suffix or '(none)'}"))
    _add_source_articles(root, loaded)
    full_lexicon = {**_registry_lexicon(registry), **lexicon_from_snapshot(root), **dict(lexicon or {})}
    return Ingestor(store, lexicon=full_lexicon, chunker=chunker, progress=progress).run(
        loaded, as_of=_as_of(root)
    )


def ingest_source(
    source: Any,
    store: ChunkStore,
    *,
    lexicon: Mapping[str, str] | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    progress: ProgressCallback | None = None,
    chunker: ChunkerConfig | None = None,
) -> IngestReport:
    """Any FrameSource (`.articles()`, `.documents()`, `.info`): e.g. live AKShare stock_news_em news."""
    loaded = LoadResult()
    for article in source.articles():
        loaded.items.append(article_to_item(article))
    for document in source.documents():
        try:
            item, encoding = document_to_item(document, max_file_bytes)
            loaded.items.append(item)
            if encoding and encoding != "utf-8":
                loaded.notes.append(f"{document.path}: decoded as {encoding.upper()}")
        except (LoadError, OSError) as exc:
            loaded.rejected.append(Rejection(document.path, str(exc)))
    as_of = getattr(getattr(source, "info", None), "as_of", None)
    return Ingestor(store, lexicon=lexicon, chunker=chunker, progress=progress).run(loaded, as_of=as_of)


def _add_source_articles(root: Path, loaded: LoadResult) -> None:
    """stock_news_em frames -> Articles, through the market layer's own parser (ids derived from 新闻链接).

    Only those frames are read (not the whole SnapshotSource, which validates every frame and costs seconds), so
    re-ingesting an unchanged snapshot stays fast. Unlike SnapshotSource.articles(), articles after as_of are
    kept: they are stored and filtered at search time.
    """
    try:
        manifest = read_manifest(root)
    except (OSError, ValueError):
        return
    entries = [
        f for f in manifest.get("frames", []) if isinstance(f, dict) and f.get("function") == "stock_news_em"
    ]
    if not entries:
        return
    import pandas as pd

    from assistant.market import frames

    found: dict[str, Any] = {}
    for entry in entries:
        file = root / str(entry.get("file", ""))
        try:
            raw = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            df = frames.normalise("stock_news_em", raw, akshare_version=manifest.get("akshare_version"))
            symbol = (entry.get("params") or {}).get("symbol")
            articles = frames.news_articles(df, symbol)
        except (OSError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            loaded.rejected.append(Rejection(str(file), f"stock_news_em frame not readable ({exc})"))
            continue
        for article in articles:
            previous = found.get(article.id)
            if previous is not None:
                article = replace(
                    previous, symbols=tuple(sorted(set(previous.symbols) | set(article.symbols)))
                )
            found[article.id] = article
    seen = {i.citation_id for i in loaded.items}
    for article in found.values():
        if article.id not in seen and article.body.strip():
            loaded.items.append(article_to_item(article, origin=f"{root.name}:stock_news_em:{article.id}"))


def _outside(path: Path, root: Path, loaded: LoadResult) -> bool:
    """Symlinks and paths resolving outside the snapshot are refused (one to /etc/passwd was stored), as frames/
    already are."""
    try:
        escapes = path.is_symlink() or not path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        escapes = True
    if escapes:
        loaded.rejected.append(Rejection(str(path), "symlink or path outside the snapshot: refused"))
    return escapes


def _as_of(root: Path) -> dt.datetime | None:
    return manifest_as_of(root)


def _registry_lexicon(extra: Path | None = None) -> dict[str, str]:
    """ETF names and aliases from the shipped registry (500质量成长ETF -> 560500), `extra`'s entries winning."""
    from assistant.market.registry import shipped_registry_path

    shipped = lexicon_from_registry(shipped_registry_path())
    return {**shipped, **lexicon_from_registry(Path(extra))} if extra is not None else shipped
