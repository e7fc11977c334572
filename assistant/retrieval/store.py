"""The Chroma chunk store: one chunks collection, one manifest collection, and the rules that keep them honest.

- Embedder identity: the chunks collection records which embedder built it; opening it with another one raises
  `EmbedderMismatchError` (vectors of different models cannot be compared) until `reindex` rebuilds it.
- Visibility: chunks are written with `complete=False`, old versions of the same document are deleted, and only
  then are the new chunks flipped to `complete=True` in one update. Every search filters on `complete`, so an
  interrupted ingest never exposes half a document; leftovers are swept the next time that document is written.
- Manifest: one record per citation id with the document's content hash, so re-ingest can skip unchanged input
  before embedding anything. A `__revision__` record changes on every write; the BM25 index keys its cache on it.

Re-indexing with another embedder is store_reindex.py (wrapped by `reindex` here).
Embedded (PersistentClient at settings.store/"chroma") or client/server (settings.chroma_url) behave the same.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.errors import InputError
from assistant.retrieval.embedding_cache import EmbeddingCache
from assistant.retrieval.encoders import Embedder, get_encoder
from assistant.retrieval.filters import none_of, one_of
from assistant.retrieval.store_client import StoreUnavailableError, first_line, make_client, redact_url
from assistant.retrieval.store_health import StoreDamagedError, looks_like_damage
from assistant.retrieval.store_lock import StoreLock
from assistant.retrieval.store_reads import PAGE, ChunkReads, StoredChunk
from assistant.retrieval.store_reindex import recover_interrupted_reindex, reembed_and_swap
from assistant.retrieval.store_stamp import Stamp, clear_stamp, write_stamp

if TYPE_CHECKING:
    from assistant.config import Settings

CHUNKS = "market-chunks"
_REVISION_ID = "__revision__"
_LEXICON_ID = "__lexicon__"
_INGESTED_ID = "__ingested__"
_RESERVED = {_REVISION_ID, _LEXICON_ID, _INGESTED_ID}
RESERVED_IDS = frozenset(_RESERVED)  # the manifest's own records: ingest refuses documents with these ids


class EmbedderMismatchError(InputError):
    """The store was built by another embedder; the message says how to re-index."""


@dataclass(frozen=True)
class DocRecord:
    citation_id: str
    doc_hash: str
    kind: str
    chunks: int
    origin: str = ""


class ChunkStore(ChunkReads):
    """Chunks + manifest in Chroma, bound to one embedder."""

    def __init__(
        self,
        client: Any,
        embedder: Embedder,
        name: str = CHUNKS,
        location: str = "",
        cache_dir: Path | None = None,
        embedding_cache: EmbeddingCache | None = None,
        lock: StoreLock | None = None,
        reopen: Callable[[], Any] | None = None,
        stamp_dir: Path | None = None,
    ) -> None:
        self.client = client
        self.embedder = embedder
        self.name = name
        self.location = location or name
        self.cache_dir = cache_dir  # the persisted BM25 index per revision; None: not persisted
        self.user_cache_dir: Path | None = None  # jieba's caches, shared by all stores (open: from settings)
        self.embedding_cache = embedding_cache  # vectors by (embedder, text hash) ingest reuses; None: encode
        self.lock = lock  # inter-process writer lock (None: the caller serialises, e.g. a private test store)
        self._reopen = reopen  # a fresh client on the same store (None: the view cannot go stale: a server)
        self._reloading = False  # a damage retry is reloading the view (see _read)
        self.stamp_dir = stamp_dir  # where this embedded store's stamp lives (store_stamp); None: no stamp
        with self._held("open"):
            try:
                self._open_collections()
            except Exception as exc:  # translated when it is damage, re-raised otherwise
                if looks_like_damage(exc):
                    raise StoreDamagedError(self.location, first_line(exc)) from exc
                raise
            self._view_revision = self._read_revision()

    def _read(self, call: Callable[[], Any]) -> Any:
        """Run a Chroma read; an error that looks like damage is retried once on a view reloaded from disk (a
        stale view heals), and otherwise reported as StoreDamagedError with the rebuild command."""
        try:
            return call()
        except Exception as exc:  # translated when it is damage, re-raised otherwise
            if not looks_like_damage(exc):
                raise
            first = exc
        try:
            if self._reopen is None or self._reloading:
                raise first  # a read inside the reload failed too: damage, not a stale view (it recursed)
            self._reloading = True
            try:
                with self._held("reload the store"):
                    self.refresh()
            finally:
                self._reloading = False
            return call()
        except Exception as exc:
            if looks_like_damage(exc):
                raise StoreDamagedError(self.location, first_line(exc)) from exc
            raise

    def _open_collections(self) -> None:
        recover_interrupted_reindex(self.client, self.name)
        self.collection = self._chunks_collection()
        self.docs = self.client.get_or_create_collection(f"{self.name}-docs", embedding_function=None)

    def _held(self, what: str) -> Any:
        return self.lock.hold(what) if self.lock is not None else nullcontext()

    @contextmanager
    def writing(self) -> Iterator[ChunkStore]:
        """Hold the store's writer lock, on a view reloaded from disk when another process wrote since it was
        loaded (every write moves the revision; see store_lock)."""
        with self._held("write"):
            if self._read_revision() != self._view_revision:
                self.refresh()
            if self.stamp_dir is not None:
                clear_stamp(self.stamp_dir)  # a writer that dies in here leaves readers no stamp to trust
            yield self
            self.stamp()

    def refresh(self) -> None:
        """Reopen Chroma from disk (embedded stores); call with the lock held so no write is half on disk."""
        if self._reopen is not None:
            self.client = self._reopen()
            self._open_collections()
        self._view_revision = self._read_revision()

    @classmethod
    def open(
        cls, settings: Settings, embedder: Embedder | str | None = None, name: str = CHUNKS
    ) -> ChunkStore:
        """The store the settings point at, checked against the embedder (settings.embedder by default)."""
        emb = (
            get_encoder(embedder) if isinstance(embedder, str) else embedder or get_encoder(settings.embedder)
        )
        location = (
            redact_url(settings.chroma_url) if settings.chroma_url else str(Path(settings.store) / "chroma")
        )
        reopen = None if settings.chroma_url else (lambda: make_client(settings, fresh=True))
        stamp_dir = None if settings.chroma_url else Path(settings.store)
        lock = StoreLock(Path(settings.store))
        with lock.hold("open"):  # a new store's first open creates its tables: two at once collide
            client = make_client(settings)
        store = cls(
            client,
            emb,
            name=name,
            location=location,
            cache_dir=Path(settings.store) / "cache" / "lexical",
            embedding_cache=EmbeddingCache.for_store(emb, Path(settings.store)),
            lock=lock,
            reopen=reopen,
            stamp_dir=stamp_dir,
        )
        store.user_cache_dir = settings.user_cache_dir
        return store

    # --- collections -------------------------------------------------------------------------------------

    def _collection_metadata(self, **extra: Any) -> dict[str, Any]:
        return {"embedder": self.embedder.name, "embedder_dim": int(self.embedder.dim), "schema": 1, **extra}

    def _chunks_collection(self) -> Any:
        col = self.client.get_or_create_collection(
            self.name,
            embedding_function=None,
            metadata=self._collection_metadata(),
            configuration={"hnsw": {"space": "cosine"}},
        )
        built_by = (col.metadata or {}).get("embedder")
        if built_by != self.embedder.name:
            if col.count() == 0:
                col.modify(metadata=self._collection_metadata())
            else:
                raise EmbedderMismatchError(
                    f"The store at {self.location} was built with embedder {built_by!r} but {self.embedder.name!r} "
                    f"is configured; vectors of different models cannot be mixed. Run `market-assistant reindex` to "
                    f"rebuild it with {self.embedder.name!r}, or set MARKET_ASSISTANT_EMBEDDER={built_by}."
                )
        return col

    @property
    def built_with(self) -> str:
        return str((self.collection.metadata or {}).get("embedder"))

    # --- manifest and revision ---------------------------------------------------------------------------

    def manifest(self) -> dict[str, DocRecord]:
        out: dict[str, DocRecord] = {}
        offset = 0
        while True:
            page = self._docs_page(offset)
            for cid, meta in zip(page["ids"], page["metadatas"] or []):
                if cid not in _RESERVED and meta:
                    out[cid] = DocRecord(
                        cid,
                        str(meta["doc_hash"]),
                        str(meta["kind"]),
                        int(meta["chunks"]),
                        str(meta.get("origin", "")),
                    )
            if len(page["ids"]) < PAGE:
                return out
            offset += PAGE

    def _docs_page(self, offset: int) -> Any:
        return self._read(lambda: self.docs.get(include=["metadatas"], limit=PAGE, offset=offset))

    def revision(self) -> str:
        """Changes whenever the set of complete chunks may have changed.

        When another process wrote since this view was loaded, the view is reloaded first (under the lock), so
        what is read next (vectors above all) matches the revision returned."""
        rev = self._read_revision()
        if rev != getattr(self, "_view_revision", rev) and self._reopen is not None:
            with self._held("reload the store after another process wrote it"):
                self.refresh()
            rev = self._view_revision
        return rev

    def _read_revision(self) -> str:
        got = self._read(lambda: self.docs.get(ids=[_REVISION_ID], include=["metadatas"]))
        return str(got["metadatas"][0]["rev"]) if got["ids"] else "0"

    def lexicon(self) -> dict[str, str]:
        """name -> code recorded by ingests (constituent names, ETF aliases), for query-time entity linking."""
        got = self._read(lambda: self.docs.get(ids=[_LEXICON_ID], include=["documents"]))
        if not got["ids"] or not got["documents"][0]:
            return {}
        return dict(json.loads(got["documents"][0]))

    def add_lexicon(self, names: Mapping[str, str]) -> None:
        """Merge names into the stored lexicon (later ingests win on conflicts)."""
        if not names:
            return
        merged = {**self.lexicon(), **{str(k): str(v) for k, v in names.items()}}
        self.docs.upsert(
            ids=[_LEXICON_ID],
            embeddings=[[1.0]],
            metadatas=[{"names": len(merged)}],
            documents=[json.dumps(merged, ensure_ascii=False, sort_keys=True)],
        )
        self._bump_revision()

    def holds_input(self, fingerprint: str) -> bool:
        """Whether the last recorded ingest was of exactly this input and nothing was written since: then
        ingesting it again would find every item unchanged, and a cold start can skip reading it at all."""
        return self._input_record() == fingerprint

    def _input_record(self) -> str | None:
        got = self._read(lambda: self.docs.get(ids=[_INGESTED_ID], include=["metadatas"]))
        meta = (got["metadatas"][0] or {}) if got["ids"] else {}
        return str(meta["input"]) if meta.get("rev") == self.revision() and meta.get("input") else None

    def record_input(self, fingerprint: str) -> None:
        """Note that the input `fingerprint` is fully stored as of this view's revision. Skipped when another
        process wrote since (its write may have replaced part of that input), so `holds_input` never lies."""
        with self._held("record an ingest"):
            if self._read_revision() != self._view_revision:
                return
            self.docs.upsert(
                ids=[_INGESTED_ID],
                embeddings=[[1.0]],
                metadatas=[{"input": fingerprint, "rev": self._view_revision}],
            )
            self.stamp()

    def stamp(self) -> None:
        """Write the stamp of this view's revision (store_stamp), unless another process wrote since: what lets
        the next cold reader answer without opening Chroma."""
        if self.stamp_dir is None:
            return
        with self._held("stamp the store"):
            if self._read_revision() != self._view_revision:
                return
            write_stamp(
                self.stamp_dir,
                Stamp(self._view_revision, self.embedder.name, self.lexicon(), self._input_record()),
            )

    def _bump_revision(self) -> None:
        if self.stamp_dir is not None:  # before the write: readers open Chroma until a completed write stamps
            clear_stamp(self.stamp_dir)
        rev = uuid.uuid4().hex
        self.docs.upsert(ids=[_REVISION_ID], embeddings=[[1.0]], metadatas=[{"rev": rev}])
        self._view_revision = rev  # our own write: this view already holds it

    # --- writes ------------------------------------------------------------------------------------------

    def write_documents(self, batch: Sequence[tuple[DocRecord, Sequence[Any], np.ndarray]]) -> None:
        """Write whole documents: [(record, chunks (ingest.items.Chunk), embeddings)] -> visible atomically.

        Order: sweep this batch's incomplete leftovers, add new chunks hidden, delete older versions, reveal the
        new chunks in one update, then record the manifest. A crash before the reveal leaves the old version
        deleted-or-intact and the new one invisible; re-running the ingest completes it (manifest hash differs).
        """
        if not batch:
            return
        cids = [rec.citation_id for rec, _, _ in batch]
        hashes = [rec.doc_hash for rec, _, _ in batch]
        self.collection.delete(where={"$and": [one_of("citation_id", cids), {"complete": False}]})
        ids: list[str] = []
        docs: list[str] = []
        metas: list[dict[str, Any]] = []
        vectors: list[np.ndarray] = []
        for rec, chunks, emb in batch:
            if len(chunks) != len(emb):
                raise ValueError(f"{rec.citation_id}: {len(chunks)} chunks but {len(emb)} embeddings")
            for chunk, vec in zip(chunks, emb):
                ids.append(chunk.chunk_id)
                docs.append(chunk.text)
                metas.append({**chunk.metadata, "complete": False})
                vectors.append(vec)
        for lo, hi in self._batches(len(ids)):
            self.collection.upsert(
                ids=ids[lo:hi],
                documents=docs[lo:hi],
                metadatas=metas[lo:hi],
                embeddings=np.asarray(vectors[lo:hi], dtype=np.float32),
            )
        self.collection.delete(where={"$and": [one_of("citation_id", cids), none_of("doc_hash", hashes)]})
        for lo, hi in self._batches(len(ids)):
            self.collection.update(ids=ids[lo:hi], metadatas=[{"complete": True}] * (hi - lo))
        self.docs.upsert(
            ids=cids,
            embeddings=[[1.0]] * len(cids),
            metadatas=[
                {"doc_hash": r.doc_hash, "kind": r.kind, "chunks": r.chunks, "origin": r.origin[:500]}
                for r, _, _ in batch
            ],
        )
        self._bump_revision()

    def remove_documents(self, citation_ids: Sequence[str]) -> None:
        if not citation_ids:
            return
        self.collection.delete(where=one_of("citation_id", list(citation_ids)))
        self.docs.delete(ids=list(citation_ids))
        self._bump_revision()

    def _batches(self, n: int) -> Iterator[tuple[int, int]]:
        size = max(1, min(5000, int(self.client.get_max_batch_size())))
        for lo in range(0, n, size):
            yield lo, min(n, lo + size)

    def langchain(self) -> Any:
        """The stock langchain_chroma.Chroma over the chunks collection (used as the dense-only baseline)."""
        from langchain_chroma import Chroma

        from assistant.retrieval.embedders import as_langchain

        return Chroma(
            client=self.client, collection_name=self.name, embedding_function=as_langchain(self.embedder)
        )


def reindex(
    client: Any,
    new_embedder: Embedder,
    name: str = CHUNKS,
    location: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> ChunkStore:
    """Re-embed every complete chunk with `new_embedder` into a staging collection, then swap it in
    (store_reindex.py); with nothing to re-index, an empty store is created."""
    if not reembed_and_swap(client, new_embedder, name, progress):
        return ChunkStore(client, new_embedder, name=name, location=location)
    store = ChunkStore(client, new_embedder, name=name, location=location)
    store._bump_revision()
    return store


__all__ = [
    "CHUNKS",
    "RESERVED_IDS",
    "ChunkStore",
    "DocRecord",
    "EmbedderMismatchError",
    "StoreUnavailableError",
    "StoredChunk",
    "make_client",
    "redact_url",
    "reindex",
]
