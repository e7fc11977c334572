"""The Chroma chunk store: one chunks collection, one manifest collection, and the rules that keep them honest.

- Embedder identity: the chunks collection records which embedder built it; opening it with another one raises
  `EmbedderMismatchError` (vectors of different models cannot be compared) until `reindex` rebuilds it.
- Visibility: chunks are written with `complete=False`, old versions of the same document are deleted, and only
  then are the new chunks flipped to `complete=True` in one update. Every search filters on `complete`, so an
  interrupted ingest never exposes half a document; leftovers are swept the next time that document is written.
- Manifest: one record per citation id with the document's content hash, so re-ingest can skip unchanged input
  before embedding anything. A `__revision__` record changes on every write; the BM25 index keys its cache on it.

Embedded (PersistentClient at settings.store/"chroma") or client/server (settings.chroma_url) behave the same.
"""

from __future__ import annotations

import base64
import contextlib
import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import numpy as np

from assistant.errors import InputError, MarketAssistantError
from assistant.retrieval.embedders import Embedder, as_langchain, get_embedder
from assistant.retrieval.embedding_cache import EmbeddingCache
from assistant.retrieval.store_health import StoreDamagedError, looks_like_damage, sqlite_problem
from assistant.retrieval.store_lock import StoreLock, forget_shared_client

if TYPE_CHECKING:
    from assistant.config import Settings

CHUNKS = "market-chunks"
_REVISION_ID = "__revision__"
_LEXICON_ID = "__lexicon__"
_RESERVED = {_REVISION_ID, _LEXICON_ID}
RESERVED_IDS = frozenset(_RESERVED)  # the manifest's own records: ingest refuses documents with these ids
_PAGE = 5000


class EmbedderMismatchError(InputError):
    """The store was built by another embedder; the message says how to re-index."""


@dataclass(frozen=True)
class DocRecord:
    citation_id: str
    doc_hash: str
    kind: str
    chunks: int
    origin: str = ""


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: str
    text: str
    metadata: dict[str, Any]
    distance: float | None = None


def make_client(settings: Settings, *, fresh: bool = False) -> Any:
    """PersistentClient under settings.store, or HttpClient when settings.chroma_url is set. Telemetry off.

    fresh: reload the embedded store from disk instead of reusing this process's view (see store_lock)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = _parse_url(settings.chroma_url)
        headers = None
        if (
            url.username is not None or url.password is not None
        ):  # user:pass@ is HTTP Basic auth, never dropped
            pair = f"{unquote(url.username or '')}:{unquote(url.password or '')}"
            headers = {"Authorization": "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")}
        try:
            port = url.port or (443 if url.scheme == "https" else 8000)
            return chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=port,
                ssl=url.scheme == "https",
                headers=headers,
                settings=chroma_settings,
            )
        except Exception as exc:  # one line naming the server (password redacted), not a 100-line traceback
            raise StoreUnavailableError(
                f"the Chroma server at {redact_url(settings.chroma_url)} cannot be used "
                f"({_first_line(exc)}); start it, fix MARKET_ASSISTANT_CHROMA_URL, or unset it for the embedded store"
            ) from exc
    path = Path(settings.store) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    problem = sqlite_problem(path / "chroma.sqlite3")  # a truncated file can look fine to Chroma: check first
    if problem:
        raise StoreDamagedError(str(path), problem)
    if fresh:
        forget_shared_client(str(path))
    try:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:  # translated when it is damage, re-raised otherwise
        if looks_like_damage(exc):
            raise StoreDamagedError(str(path), _first_line(exc)) from exc
        raise


class ChunkStore:
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
    ) -> None:
        self.client = client
        self.embedder = embedder
        self.name = name
        self.location = location or name
        self.cache_dir = (
            cache_dir  # derived data (the persisted BM25 index per revision); None: not persisted
        )
        # passage vectors by (embedder id, text hash), consulted by ingest before encoding; None: always encode
        self.embedding_cache = embedding_cache
        self.lock = (
            lock  # inter-process writer lock (None: the caller serialises, e.g. tests on a private store)
        )
        self._reopen = (
            reopen  # a fresh client on the same store (None: the view cannot go stale, e.g. a server)
        )
        self._reloading = False  # a damage retry is reloading the view (see _read)
        with self._held("open"):
            try:
                self._open_collections()
            except Exception as exc:  # translated when it is damage, re-raised otherwise
                if looks_like_damage(exc):
                    raise StoreDamagedError(self.location, _first_line(exc)) from exc
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
                raise StoreDamagedError(self.location, _first_line(exc)) from exc
            raise

    def _open_collections(self) -> None:
        self._recover_interrupted_reindex()
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
            yield self

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
            get_embedder(embedder)
            if isinstance(embedder, str)
            else embedder or get_embedder(settings.embedder)
        )
        location = (
            redact_url(settings.chroma_url) if settings.chroma_url else str(Path(settings.store) / "chroma")
        )
        reopen = None if settings.chroma_url else (lambda: make_client(settings, fresh=True))
        lock = StoreLock(Path(settings.store))
        with lock.hold("open"):  # a new store's first open creates its tables: two at once collide
            client = make_client(settings)
        return cls(
            client,
            emb,
            name=name,
            location=location,
            cache_dir=Path(settings.store) / "cache" / "lexical",
            embedding_cache=EmbeddingCache.for_store(emb, Path(settings.store)),
            lock=lock,
            reopen=reopen,
        )

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
            if len(page["ids"]) < _PAGE:
                return out
            offset += _PAGE

    def _docs_page(self, offset: int) -> Any:
        return self._read(lambda: self.docs.get(include=["metadatas"], limit=_PAGE, offset=offset))

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

    def _bump_revision(self) -> None:
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
        self.collection.delete(where={"$and": [_in("citation_id", cids), {"complete": False}]})
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
        self.collection.delete(where={"$and": [_in("citation_id", cids), _nin("doc_hash", hashes)]})
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
        self.collection.delete(where=_in("citation_id", list(citation_ids)))
        self.docs.delete(ids=list(citation_ids))
        self._bump_revision()

    def _batches(self, n: int) -> Iterator[tuple[int, int]]:
        size = max(1, min(5000, int(self.client.get_max_batch_size())))
        for lo in range(0, n, size):
            yield lo, min(n, lo + size)

    # --- reads -------------------------------------------------------------------------------------------

    def count(self) -> int:
        return int(self._read(lambda: self.collection.count()))

    def iter_complete(self, include_documents: bool = True, page: int = _PAGE) -> Iterator[list[StoredChunk]]:
        include = ["metadatas", "documents"] if include_documents else ["metadatas"]
        offset = 0
        while True:
            got = self._complete_page(include, page, offset)
            texts = got.get("documents") or [""] * len(got["ids"])
            yield [StoredChunk(i, t or "", m or {}) for i, t, m in zip(got["ids"], texts, got["metadatas"])]
            if len(got["ids"]) < page:
                return
            offset += page

    def iter_complete_with_vectors(
        self, page: int = _PAGE
    ) -> Iterator[tuple[list[StoredChunk], np.ndarray | None]]:
        """Pages of complete chunks (texts and metadata) with their embeddings as a float32 (rows, dim) array
        (None when the server returned none)."""
        offset = 0
        while True:
            got = self._complete_page(["metadatas", "documents", "embeddings"], page, offset)
            texts = got.get("documents") or [""] * len(got["ids"])
            chunks = [
                StoredChunk(i, t or "", m or {}) for i, t, m in zip(got["ids"], texts, got["metadatas"])
            ]
            embeddings = got.get("embeddings")
            vectors = None
            if chunks and embeddings is not None and len(embeddings) == len(chunks):
                vectors = np.asarray(embeddings, dtype=np.float32).reshape(len(chunks), -1)
            yield chunks, vectors
            if len(got["ids"]) < page:
                return
            offset += page

    def _complete_page(self, include: list[str], limit: int, offset: int) -> Any:
        """One page of complete chunks, read through `_read` (so a stale view heals)."""
        return self._read(
            lambda: self.collection.get(where={"complete": True}, include=include, limit=limit, offset=offset)
        )

    def _by_ids(self, ids: Sequence[str], include: list[str]) -> Any:
        return self._read(lambda: self.collection.get(ids=list(ids), include=include))

    def get(self, ids: Sequence[str]) -> list[StoredChunk]:
        out: list[StoredChunk] = []
        for lo in range(0, len(ids), _PAGE):
            got = self._by_ids(ids[lo : lo + _PAGE], ["metadatas", "documents"])
            out += [
                StoredChunk(i, t or "", m or {})
                for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])
            ]
        return out

    def query(
        self, embedding: Sequence[float] | np.ndarray, n: int, where: dict[str, Any] | None
    ) -> list[StoredChunk]:
        """Nearest complete chunks by cosine distance (smaller is closer)."""
        got = self._read(
            lambda: self.collection.query(
                query_embeddings=[np.asarray(embedding, dtype=np.float32)],
                n_results=n,
                where=where,
                include=["metadatas", "documents", "distances"],
            )
        )
        return [
            StoredChunk(i, t or "", m or {}, float(d))
            for i, t, m, d in zip(
                got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0]
            )
        ]

    def query_ids(self, embedding: Sequence[float] | np.ndarray, n: int) -> list[tuple[str, float]]:
        """(chunk id, cosine distance) of the n nearest chunks, unfiltered (incomplete ones included): the fast
        path, for callers that filter with their own copy of the metadata."""
        got = self._read(
            lambda: self.collection.query(
                query_embeddings=[np.asarray(embedding, dtype=np.float32)], n_results=n, include=["distances"]
            )
        )
        return list(zip(got["ids"][0], (float(d) for d in got["distances"][0])))

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored embeddings by chunk id (for exact scoring of a small, filtered candidate set)."""
        out: dict[str, np.ndarray] = {}
        for lo in range(0, len(ids), _PAGE):
            got = self._by_ids(ids[lo : lo + _PAGE], ["embeddings"])
            out.update(zip(got["ids"], (np.asarray(e, dtype=np.float32) for e in got["embeddings"])))
        return out

    def langchain(self) -> Any:
        """The stock langchain_chroma.Chroma over the chunks collection (used as the dense-only baseline)."""
        from langchain_chroma import Chroma

        return Chroma(
            client=self.client, collection_name=self.name, embedding_function=as_langchain(self.embedder)
        )

    # --- reindex -----------------------------------------------------------------------------------------

    def _recover_interrupted_reindex(self) -> None:
        names = {c if isinstance(c, str) else c.name for c in self.client.list_collections()}
        staging = f"{self.name}-reindex"
        if self.name not in names and staging in names:
            col = self.client.get_collection(staging, embedding_function=None)
            if (col.metadata or {}).get("reindex_complete"):
                meta = {k: v for k, v in col.metadata.items() if k != "reindex_complete"}
                col.modify(name=self.name, metadata=meta)


def reindex(
    client: Any,
    new_embedder: Embedder,
    name: str = CHUNKS,
    location: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> ChunkStore:
    """Re-embed every complete chunk with `new_embedder` into a staging collection, then swap it in.

    The chunk texts are in the store already, so no source files are needed. Until the swap the old collection
    keeps serving; a crash after the old one is dropped is finished by the next `ChunkStore` open.
    """
    staging = f"{name}-reindex"
    with contextlib.suppress(Exception):  # an absent staging collection is the normal case
        client.delete_collection(staging)
    try:
        old = client.get_collection(name, embedding_function=None)
    except Exception:  # noqa: BLE001 - nothing to re-index: just create an empty store
        return ChunkStore(client, new_embedder, name=name, location=location)
    meta = {"embedder": new_embedder.name, "embedder_dim": int(new_embedder.dim), "schema": 1}
    target = client.create_collection(
        staging,
        embedding_function=None,
        metadata={**meta, "reindex_complete": False},
        configuration={"hnsw": {"space": "cosine"}},
    )
    total, done, offset = old.count(), 0, 0
    while True:
        got = old.get(where={"complete": True}, include=["metadatas", "documents"], limit=512, offset=offset)
        if got["ids"]:
            vectors = new_embedder.embed_documents(got["documents"])
            target.add(
                ids=got["ids"], documents=got["documents"], metadatas=got["metadatas"], embeddings=vectors
            )
            done += len(got["ids"])
            if progress:
                progress(done, total)
        if len(got["ids"]) < 512:
            break
        offset += 512
    target.modify(metadata={**meta, "reindex_complete": True})
    client.delete_collection(name)
    target.modify(name=name, metadata=meta)
    store = ChunkStore(client, new_embedder, name=name, location=location)
    store._bump_revision()
    return store


class StoreUnavailableError(MarketAssistantError):
    """The configured Chroma server cannot be reached or refused us."""


def _parse_url(raw: str) -> Any:
    return urlparse(raw if "://" in raw else f"http://{raw}")


def redact_url(raw: str) -> str:
    """The URL as it may be shown: any password replaced by ***."""
    url = _parse_url(raw)
    if url.password is None:
        return raw
    netloc = f"{url.username or ''}:***@{url.hostname or ''}" + (f":{url.port}" if url.port else "")
    return str(url._replace(netloc=netloc).geturl())


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def _in(key: str, values: list[str]) -> dict[str, Any]:
    return {key: values[0]} if len(values) == 1 else {key: {"$in": values}}


def _nin(key: str, values: list[str]) -> dict[str, Any]:
    return {key: {"$ne": values[0]}} if len(values) == 1 else {key: {"$nin": values}}
