"""BM25 over the store's complete chunks: Chinese tokenised with jieba (search mode), English lower-cased.

The index is a cache of Chroma, never a second source of truth: `LexicalIndex.sync(store)` re-reads the chunk list
when the store revision changes and tokenises only chunks it has not seen (tokens are cached by chunk id), so a
re-ingest of one article does not re-tokenise 100k chunks. Filters (as_of, kind, symbols) are applied as a mask
over BM25 scores, mirroring the Chroma `where` clause.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from assistant.retrieval.store import ChunkStore

_TOKEN_OK = re.compile(r"[0-9a-z\u4e00-\u9fff]")
STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 或 等 也 都 就 而 对 从 把 被 将 为 于 以 之 其 这 那 有 个 中 上 下 吗 呢 吧 啊 什么 怎么 如何 多少 哪些 "
    "a an the of to in on for and or is are was were be by with at as from that this it its what which how does do "
    "did about".split()
)
_jieba_lock = threading.Lock()
_jieba_ready = False


def _jieba() -> Any:
    global _jieba_ready
    import jieba

    with _jieba_lock:
        if not _jieba_ready:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba_ready = True
    return jieba


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens (a long word also yields its parts: 有色金属 -> 有色, 金属, 有色金属), lower-cased,
    punctuation and stopwords dropped; 6-digit codes and English words survive as single tokens."""
    tokens = []
    for tok in _jieba().cut_for_search(text.lower()):
        tok = tok.strip()
        if tok and tok not in STOPWORDS and _TOKEN_OK.search(tok):
            tokens.append(tok)
    return tokens


@dataclass(frozen=True)
class LexicalHit:
    chunk_id: str
    score: float
    text: str
    metadata: dict[str, Any]


class LexicalIndex:
    """bm25s index + per-row filter columns, rebuilt from a ChunkStore when its revision changes."""

    def __init__(self) -> None:
        self.revision: str | None = None
        self._tokens: dict[str, list[str]] = {}
        self.ids: list[str] = []
        self.texts: list[str] = []
        self.metas: list[dict[str, Any]] = []
        self._ts = np.zeros(0, np.int64)
        self._kind = np.zeros(0, dtype="<U8")
        self._lang = np.zeros(0, dtype="<U4")
        self.row_of: dict[str, int] = {}
        self._sym_rows: dict[str, np.ndarray] = {}
        self._bm25: Any = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ids)

    def sync(self, store: "ChunkStore") -> bool:
        """Bring the index in line with the store's complete chunks; True when it was rebuilt."""
        rev = store.revision()
        if rev == self.revision:
            return False
        with self._lock:
            if rev == self.revision:
                return False
            rows = [c for page in store.iter_complete(include_documents=True) for c in page]
            self.build(((c.chunk_id, c.text, c.metadata) for c in rows))
            self.revision = rev
            return True

    def build(self, rows: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
        import bm25s

        ids, texts, metas = [], [], []
        for cid, text, meta in rows:
            ids.append(cid)
            texts.append(text)
            metas.append(meta)
        tokens = []
        for cid, text in zip(ids, texts):
            toks = self._tokens.get(cid)
            if toks is None:
                toks = tokenize(text)
                self._tokens[cid] = toks
            tokens.append(toks or ["\u0000"])  # bm25s needs a token per document
        self._tokens = {cid: self._tokens[cid] for cid in ids}  # forget deleted chunks
        bm25 = bm25s.BM25()
        if tokens:
            bm25.index(tokens, show_progress=False)
        sym_rows: dict[str, list[int]] = {}
        for row, meta in enumerate(metas):
            for key in meta:
                if key.startswith("sym_"):
                    sym_rows.setdefault(key[4:], []).append(row)
        self.ids, self.texts, self.metas, self._bm25 = ids, texts, metas, bm25
        self._ts = np.array([int(m.get("published_at_ts", 0)) for m in metas], dtype=np.int64)
        self._kind = np.array([str(m.get("kind", "")) for m in metas], dtype="<U8")
        self._lang = np.array([str(m.get("language", "")) for m in metas], dtype="<U4")
        self.row_of = {cid: row for row, cid in enumerate(ids)}
        self._sym_rows = {s: np.array(r, dtype=np.int64) for s, r in sym_rows.items()}

    def mask(self, as_of_ts: int | None, kinds: tuple[str, ...], symbols: Iterable[str] | None,
             language: str | None = None) -> np.ndarray | None:
        """Boolean row mask for the hard filters, None when nothing is filtered."""
        mask: np.ndarray | None = None
        if language:
            mask = self._lang == language
        if as_of_ts is not None:
            m = self._ts <= as_of_ts
            mask = m if mask is None else mask & m
        if kinds:
            m = np.isin(self._kind, list(kinds))
            mask = m if mask is None else mask & m
        syms = [s for s in (symbols or ()) if s]
        if syms:
            m = np.zeros(len(self.ids), dtype=bool)
            for s in syms:
                rows = self._sym_rows.get(s)
                if rows is not None:
                    m[rows] = True
            mask = m if mask is None else mask & m
        return mask

    def search(self, query: str, n: int, as_of_ts: int | None = None, kinds: tuple[str, ...] = (),
               symbols: Iterable[str] | None = None) -> list[LexicalHit]:
        if not self.ids or n <= 0:
            return []
        q = [t for t in tokenize(query) if t in self._bm25.vocab_dict]
        if not q:
            return []
        scores = self._bm25.get_scores(q)
        mask = self.mask(as_of_ts, kinds, symbols)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [LexicalHit(self.ids[i], float(scores[i]), self.texts[i], self.metas[i]) for i in top if scores[i] > 0]
