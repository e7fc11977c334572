"""BM25 over the store's complete chunks: Chinese tokenised with jieba (search mode), English lower-cased.

The index is a cache of Chroma, never a second source of truth: `LexicalIndex.sync(store)` re-reads the chunk list
when the store revision changes and tokenises only chunks it has not seen (tokens are cached by chunk id), so a
re-ingest of one article does not re-tokenise 100k chunks. Filters (as_of, kind, symbols) are applied as a mask
over BM25 scores, mirroring the Chroma `where` clause.

Quarantined chunks (flagged as injection attempts: assistant.retrieval.safety) are left out of the index, and the
dense lists only return rows of the index, so no search of any mode ever returns one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from assistant.retrieval.store import ChunkStore
    from assistant.retrieval.store_view import StampedStore

from assistant.private_cache import publish_folder, user_folder
from assistant.retrieval.bm25_columns import Bm25Columns, build_columns
from assistant.retrieval.safety import is_quarantined
from assistant.retrieval.token_seed import shipped_tokens, text_key
from assistant.retrieval.tokens import (
    STOPWORDS,
    _DiskFreq,
    _jieba_full,
    dictionary_cache_in_use,
    tokenize,
    use_dictionary_cache,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LexicalHit:
    chunk_id: str
    score: float
    text: str
    metadata: dict[str, Any]


class LexicalIndex:
    """BM25 columns (built by bm25s) + per-row filter columns + the chunks' vectors, rebuilt from a ChunkStore when its revision changes.

    The vectors (aligned with the rows) let dense lists under a selective filter be scored exactly in memory instead
    of by a metadata-scanning Chroma query. When the store has a `cache_dir`, the built index is persisted there per
    revision, so a new process (a cold `ask`) loads it instead of re-reading and re-tokenising every chunk.
    """

    CACHE_FORMAT = 4  # 3: quarantined chunks are left out; 4: BM25 columns of our own (bm25_columns)

    def __init__(self) -> None:
        self.revision: str | None = None
        self._tokens: dict[str, list[str]] = {}
        self.ids: list[str] = []
        self.texts: list[str] = []
        self.metas: list[dict[str, Any]] = []
        self.vectors: np.ndarray | None = None  # float32 (rows, dim), or None when the store gave none
        self._ts = np.zeros(0, np.int64)
        self._kind = np.zeros(0, dtype="<U8")
        self._lang = np.zeros(0, dtype="<U4")
        self.row_of: dict[str, int] = {}
        self._sym_rows: dict[str, np.ndarray] = {}
        self._bm25 = Bm25Columns.empty()
        self._masks: dict[tuple[Any, ...], np.ndarray | None] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ids)

    def sync(self, store: ChunkStore | StampedStore) -> bool:
        """Bring the index in line with the store's complete chunks; True when it was rebuilt."""
        rev = store.revision()
        if rev == self.revision:
            return False
        folder = getattr(store, "cache_dir", None)
        if folder is not None and not dictionary_cache_in_use():
            use_dictionary_cache(folder, getattr(store, "user_cache_dir", None))
        with self._lock:
            if rev == self.revision:
                return False
            cache = _cache_file(store, rev)
            if cache is not None and self._load(cache):
                self.revision = rev
                return True
            rows: list[tuple[str, str, dict[str, Any]]] = []
            vectors: list[np.ndarray] | None = []
            reader = getattr(store, "iter_complete_with_vectors", None)
            if callable(reader):
                for page, page_vectors in reader():
                    rows += [(c.chunk_id, c.text, c.metadata) for c in page]
                    if not page:
                        continue
                    if page_vectors is None or vectors is None:
                        vectors = None
                    else:
                        vectors.append(page_vectors)
            else:
                rows = [
                    (c.chunk_id, c.text, c.metadata)
                    for page in store.iter_complete(include_documents=True)
                    for c in page
                ]
                vectors = None
            user = getattr(store, "user_cache_dir", None)
            columns_cache = user_folder(user, "bm25") if user is not None else None
            self.build(rows, np.concatenate(vectors) if vectors else None, columns_cache)
            self.revision = rev
            if cache is not None:
                self._save(cache)
            return True

    def build(
        self,
        rows: Iterable[tuple[str, str, dict[str, Any]]],
        vectors: np.ndarray | None = None,
        columns_cache: Path | None = None,
    ) -> None:
        """`columns_cache`: a private per-user folder of BM25 indexes built before (`build_columns`)."""
        ids, texts, metas, kept = [], [], [], []
        total = 0
        for row, (cid, text, meta) in enumerate(rows):
            total += 1
            if is_quarantined(meta, text):
                continue  # stored, never searchable: it is never evidence
            ids.append(cid)
            texts.append(text)
            metas.append(meta)
            kept.append(row)
        if vectors is not None and len(kept) < total:
            vectors = vectors[np.asarray(kept, dtype=np.int64)] if len(vectors) == total else None
        tokens = []
        missing = [(cid, text) for cid, text in zip(ids, texts) if cid not in self._tokens]
        if missing:  # a fresh store: the bundled sample's chunks come tokenised with the package
            seeded = shipped_tokens()
            for cid, text in missing if seeded else ():
                toks = seeded.get(text_key(text))
                if toks is not None:
                    self._tokens[cid] = [sys.intern(t) for t in toks]
        if any(cid not in self._tokens for cid, _ in missing):
            _jieba_full()  # bulk tokenisation: the whole dictionary in memory, not per-word lookups
        for cid, text in zip(ids, texts):
            toks = self._tokens.get(cid)
            if toks is None:
                toks = [
                    sys.intern(t) for t in tokenize(text)
                ]  # interned: 100k chunks share one copy per token
                self._tokens[cid] = toks
            tokens.append(toks or ["\u0000"])  # bm25s needs a token per document
        self._tokens = {cid: self._tokens[cid] for cid in ids}  # forget deleted chunks
        if vectors is not None and len(vectors) != len(ids):
            vectors = None
        self._install(ids, texts, metas, build_columns(tokens, columns_cache), vectors)

    def _install(
        self,
        ids: list[str],
        texts: list[str],
        metas: list[dict[str, Any]],
        bm25: Bm25Columns,
        vectors: np.ndarray | None,
    ) -> None:
        sym_rows: dict[str, list[int]] = {}
        for row, meta in enumerate(metas):
            for key in meta:
                if key.startswith("sym_"):
                    sym_rows.setdefault(key[4:], []).append(row)
        self.ids, self.texts, self.metas, self._bm25 = ids, texts, metas, bm25
        self.vectors = None if vectors is None else np.ascontiguousarray(vectors, dtype=np.float32)
        self._ts = np.array([int(m.get("published_at_ts", 0)) for m in metas], dtype=np.int64)
        self._kind = np.array([str(m.get("kind", "")) for m in metas], dtype="<U8")
        self._lang = np.array([str(m.get("language", "")) for m in metas], dtype="<U4")
        self.row_of = {cid: row for row, cid in enumerate(ids)}
        self._sym_rows = {s: np.array(r, dtype=np.int64) for s, r in sym_rows.items()}
        self._masks = {}

    # --- persistence (a cache keyed by store revision; any problem just means a rebuild) ----------------------
    # Data only: JSON and `.npy` without pickle. A store folder can be written by
    # someone else (a shared drive, a folder handed over), so nothing read from it may be able to run code.

    def _save(self, folder: Path) -> None:
        state = {
            "format": self.CACHE_FORMAT,
            "ids": self.ids,
            "texts": self.texts,
            "metas": self.metas,
            "tokens": [self._tokens[c] for c in self.ids],
        }
        vectors = self.vectors if self.vectors is not None else np.zeros((0, 0), np.float32)

        def fill(tmp: Path) -> None:
            (tmp / "state.json").write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
            np.save(tmp / "vectors.npy", vectors, allow_pickle=False)
            (tmp / "bm25").mkdir()
            self._bm25.save(tmp / "bm25")

        try:
            publish_folder(folder, fill)
            store_part = folder.name.split("-")[1]  # this store's other revisions, formats and embedders go
            for old in folder.parent.glob(f"lexical-{store_part}*"):
                if old != folder and not old.name.endswith(".tmp"):
                    shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
        except OSError as err:
            log.warning("could not persist the lexical index to %s: %s", folder, err)

    def _load(self, folder: Path) -> bool:
        if not folder.is_dir():
            return False
        try:
            state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
            if not isinstance(state, dict) or state.get("format") != self.CACHE_FORMAT:
                return False
            vectors = np.load(folder / "vectors.npy", allow_pickle=False)
            bm25 = Bm25Columns.load(folder / "bm25")
            ids = [str(i) for i in state["ids"]]
            tokens, texts, metas = state["tokens"], state["texts"], state["metas"]
            if not (len(tokens) == len(texts) == len(metas) == len(ids) == bm25.num_docs):
                return False
            self._tokens = dict(zip(ids, tokens))
            self._install(
                ids, texts, metas, bm25, vectors if len(vectors) == len(ids) and vectors.size else None
            )
            return True
        except Exception as err:  # noqa: BLE001 - a corrupt or stale cache only costs a rebuild
            log.warning("ignoring unreadable lexical index cache %s: %s", folder, err)
            return False

    def mask(
        self,
        as_of_ts: int | None,
        kinds: tuple[str, ...],
        symbols: Iterable[str] | None,
        language: str | None = None,
    ) -> np.ndarray | None:
        """Boolean row mask for the hard filters, None when nothing is filtered. Masks are memoised per filter
        (until the next rebuild): a question's searches share them. Treat the returned array as read-only."""
        syms = tuple(sorted({s for s in (symbols or ()) if s}))
        key = (as_of_ts, tuple(kinds), syms, language)
        try:
            return self._masks[key]
        except KeyError:
            pass
        mask = self._mask(as_of_ts, tuple(kinds), syms, language)
        if mask is not None:
            mask.flags.writeable = False
        if len(self._masks) > 256:
            self._masks.clear()
        self._masks[key] = mask
        return mask

    def _mask(
        self, as_of_ts: int | None, kinds: tuple[str, ...], syms: tuple[str, ...], language: str | None
    ) -> np.ndarray | None:
        mask: np.ndarray | None = None
        if language:
            mask = self._lang == language
        if as_of_ts is not None:
            m = self._ts <= as_of_ts
            mask = m if mask is None else mask & m
        if kinds:
            m = np.isin(self._kind, list(kinds))
            mask = m if mask is None else mask & m
        if syms:
            m = np.zeros(len(self.ids), dtype=bool)
            for s in syms:
                rows = self._sym_rows.get(s)
                if rows is not None:
                    m[rows] = True
            mask = m if mask is None else mask & m
        return mask

    def search(
        self,
        query: str,
        n: int,
        as_of_ts: int | None = None,
        kinds: tuple[str, ...] = (),
        symbols: Iterable[str] | None = None,
    ) -> list[LexicalHit]:
        if not self.ids or n <= 0:
            return []
        q = [t for t in tokenize(query) if t in self._bm25.vocab]
        if not q:
            return []
        scores = self._bm25.scores(q)
        mask = self.mask(as_of_ts, kinds, symbols)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [
            LexicalHit(self.ids[i], float(scores[i]), self.texts[i], self.metas[i])
            for i in top
            if scores[i] > 0
        ]


def _cache_file(store: Any, revision: str) -> Path | None:
    """Where the index of `store` at `revision` is persisted: None when the store has no cache folder."""
    folder = getattr(store, "cache_dir", None)
    if folder is None or revision in ("", "0"):
        return None
    where = hashlib.sha1(
        f"{getattr(store, 'location', '')}\0{getattr(store, 'name', '')}".encode()
    ).hexdigest()[:12]
    embedder = getattr(getattr(store, "embedder", None), "name", "")
    tag = hashlib.sha1(f"{embedder}\0{LexicalIndex.CACHE_FORMAT}".encode()).hexdigest()[:8]
    return Path(folder) / f"lexical-{where}-{tag}-{revision}"


__all__ = [
    "STOPWORDS",
    "LexicalHit",
    "LexicalIndex",
    "_DiskFreq",
    "_jieba_full",
    "tokenize",
    "use_dictionary_cache",
]
