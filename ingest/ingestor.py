"""The ingest run over items already loaded: skip unchanged documents (by content hash, before embedding),
chunk, embed batch by batch and write whole documents atomically, reporting each outcome.

Apart from `pipeline.py`, which finds and loads the input (files, snapshot folders, live sources), so the write
path -- the part with the store lock, batching and the writer thread -- is one module with one job.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from typing import Any

from assistant.retrieval.safety import screen
from assistant.retrieval.store import RESERVED_IDS, ChunkStore, DocRecord
from ingest.chunking import Chunker, ChunkerConfig, splitting_code
from ingest.identity import conflict_note, identify_loose_documents
from ingest.items import IngestItem
from ingest.loaders import LoadResult
from ingest.report import IngestReport, ItemOutcome, Progress, ProgressCallback, Status
from ingest.section_cache import SectionCache
from ingest.symbols import SymbolTagger


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
        sections = SectionCache.for_user(getattr(store, "user_cache_dir", None), splitting_code())
        self.chunker = Chunker(chunker, SymbolTagger(lexicon), sections)
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


__all__ = ["Ingestor"]
