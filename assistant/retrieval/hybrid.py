"""Hybrid retrieval: dense (Chroma) + BM25 (jieba) + entity links, fused by reciprocal rank, under hard filters.

Candidate lists, each ranked over distinct citations (several chunks of one article count once):
- dense, once per corpus language (zh, en): multilingual embedders rank documents in the query's own language
  first, so a Chinese question about a story reported only in English loses to same-language distractors. Ranking
  each language separately and fusing gives both languages their best candidates (the biggest gain on the
  benchmark's cross-language queries).
- BM25 over jieba tokens: exact names, codes and rare terms that embeddings blur.
- entity: securities named in the query (codes, or names from the lexicon in either language: 西部矿业 / Western
  Mining -> 601168) -> dense ranking restricted to chunks tagged with those codes. Works across languages.

Quarantined chunks (injection attempts, marked at ingest: assistant.retrieval.safety) are never candidates.
Hard filters are applied inside both retrievers, never after fusion: nothing published after `as_of` is ever a
candidate, so future news cannot leak into an answer about an earlier trade date. Optional time decay lowers
older news relative to the trade date; documents (methodology, fund profiles) do not decay.

`HybridSearcher.search` is the typed API; `assistant.retrieval.retriever.HybridRetriever` wraps it as a LangChain
BaseRetriever so the agent and the evaluation suite use exactly the same retrieval.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from assistant.errors import InputError
from assistant.market.model import CHINA_TZ
from assistant.retrieval.encoders import embed_queries
from assistant.retrieval.entities import SymbolTagger
from assistant.retrieval.filters import as_of_ts, build_where, normalise_kinds
from assistant.retrieval.lexical import LexicalIndex
from assistant.retrieval.safety import is_quarantined
from assistant.retrieval.store import ChunkStore, StoredChunk
from assistant.retrieval.store_view import StampedStore

Mode = Literal["hybrid", "dense", "lexical"]


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    citation_id: str
    kind: str
    title: str
    text: str
    score: float  # fused score (RRF x decay) for hybrid; cosine similarity for dense; BM25 for lexical
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def published_at(self) -> dt.datetime | None:
        value = self.metadata.get("published_at")
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None

    @property
    def symbols(self) -> tuple[str, ...]:
        raw = self.metadata.get("symbols") or ""
        return tuple(s for s in str(raw).split(",") if s)


class HybridSearcher:
    """Dense-per-language + BM25 + entity lists over one ChunkStore, fused by weighted RRF. Thread-safe.

    `lexicon` (name -> code) defaults to the one the ingests recorded in the store. `data_as_of` is the as-of time
    of the data the store serves (a retriever's default limit); `search` itself filters only by its `as_of`.
    Defaults (rrf_k=5, entity weight 2) were chosen on the retrieval benchmark; a small rrf_k trusts the top of
    each list, which suits short candidate lists of distinct citations.
    """

    def __init__(
        self,
        store: ChunkStore | StampedStore,
        *,
        lexicon: Mapping[str, str] | None = None,
        rrf_k: int = 5,
        candidates: int = 40,
        dense_weight: float = 1.0,
        lexical_weight: float = 1.0,
        entity_weight: float = 2.0,
        languages: Sequence[str] = ("zh", "en"),
        recency_half_life_days: float | None = None,
        lexical: LexicalIndex | None = None,
        data_as_of: dt.datetime | None = None,
    ) -> None:
        self.store = store
        self.data_as_of = data_as_of  # the data's as-of time: the default limit of a LangChain retriever
        self._fixed_lexicon = lexicon
        self.tagger = SymbolTagger(lexicon if lexicon is not None else store.lexicon())
        self.rrf_k = rrf_k
        self.candidates = candidates
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight
        self.entity_weight = entity_weight
        self.languages = tuple(languages)
        self.recency_half_life_days = recency_half_life_days
        self.lexical = lexical if lexical is not None else LexicalIndex()  # an empty index is falsy
        self._prefetched: dict[str, np.ndarray] = {}
        self._prefetch_lock = threading.Lock()

    def prefetch(self, queries: Sequence[str]) -> None:
        """Embed queries about to be searched in one model call (a move answer's news searches: one call instead
        of six). Each vector serves the next search of its query once: a batch, never a cache across answers."""
        todo = [q for q in dict.fromkeys(queries) if q and q.strip()]
        if len(todo) > 1:
            vectors = embed_queries(self.store.embedder, todo)
            with self._prefetch_lock:
                self._prefetched = dict(zip(todo, vectors))

    def search(
        self,
        query: str,
        k: int = 5,
        as_of: dt.datetime | None = None,
        kind: str | Iterable[str] | None = None,
        symbols: Iterable[str] | None = None,
        *,
        trade_date: dt.date | None = None,
        mode: Mode = "hybrid",
        max_per_citation: int | None = 1,
        query_embedding: Sequence[float] | np.ndarray | None = None,
        dense_query: str | None = None,
    ) -> list[Hit]:
        """Top-k chunks for `query` published at or before `as_of`, of `kind`, about any of `symbols`.

        `max_per_citation` (default 1) keeps one chunk per article/document so k hits are k sources; pass None
        for every matching chunk. `trade_date` (default: as_of's date) anchors the optional news time decay.
        `query_embedding` lets a caller that already embedded the query skip the embedder. `dense_query` is what
        the dense lists embed when `query` is padded with keywords for BM25 (a methodology overview's section
        names): to an embedding model such padding is a bag of words that blurs the question, and embedding
        costs grow with its length.
        """
        if not query or not query.strip():
            raise InputError("empty search query")
        if k <= 0:
            return []
        kinds = normalise_kinds(kind)
        symbols = sorted({s for s in (symbols or ()) if s})
        n = max(self.candidates, 2 * k)
        if self.lexical.sync(self.store) and self._fixed_lexicon is None:
            self.tagger = SymbolTagger(self.store.lexicon())  # the ingest may have brought new names
        lists: list[tuple[list[Hit], float]] = []
        if mode in ("hybrid", "dense"):
            meaning = dense_query or query
            if query_embedding is None:
                with self._prefetch_lock:
                    query_embedding = self._prefetched.pop(meaning, None)
            emb = query_embedding if query_embedding is not None else self.store.embedder.embed_query(meaning)
            dense = _DenseLists(self.store, self.lexical, emb, as_of, kinds, symbols, n)
            if mode == "dense":
                return _limit(dense.ranked(), k, max_per_citation)
            for lang in self.languages:
                lists.append((dense.ranked(language=lang), self.dense_weight))
            linked = sorted(self.tagger.find(query))
            if linked:
                lists.append((dense.ranked(linked=linked), self.entity_weight))
        if mode in ("hybrid", "lexical"):
            lexical = [
                _hit(h.chunk_id, h.text, h.metadata, h.score)
                for h in self.lexical.search(query, n, as_of_ts(as_of), kinds, symbols)
            ]
            if mode == "lexical":
                return _limit(lexical, k, max_per_citation)
            lists.append((lexical, self.lexical_weight))
        anchor = trade_date or (as_of.date() if as_of else None)
        return self.fuse(lists, k, anchor, max_per_citation)

    def fuse(
        self,
        ranked: Sequence[tuple[Sequence[Hit], float]],
        k: int,
        anchor: dt.date | None,
        max_per_citation: int | None = 1,
    ) -> list[Hit]:
        """Weighted reciprocal rank fusion over citations: a citation's rank in a list is the rank of its best
        chunk; the fused score is sum(weight / (rrf_k + rank)) times the news decay factor. Chunks of a citation
        follow in the order they first appeared."""
        scores: dict[str, float] = {}
        chunks: dict[str, list[Hit]] = {}
        for hits, weight in ranked:
            seen: set[str] = set()
            for hit in hits:
                bucket = chunks.setdefault(hit.citation_id, [])
                if all(h.chunk_id != hit.chunk_id for h in bucket):
                    bucket.append(hit)
                if hit.citation_id in seen:
                    continue
                seen.add(hit.citation_id)
                scores[hit.citation_id] = scores.get(hit.citation_id, 0.0) + weight / (self.rrf_k + len(seen))
        for cid in scores:
            scores[cid] *= self._decay(chunks[cid][0], anchor)
        out: list[Hit] = []
        for cid in sorted(scores, key=lambda c: -scores[c]):
            for h in chunks[cid][: max_per_citation or None]:
                out.append(Hit(h.chunk_id, h.citation_id, h.kind, h.title, h.text, scores[cid], h.metadata))
                if len(out) == k:
                    return out
        return out

    def _decay(self, hit: Hit, anchor: dt.date | None) -> float:
        if not self.recency_half_life_days or anchor is None or hit.kind != "news":
            return 1.0
        ts = int(hit.metadata.get("published_at_ts") or 0)
        if not ts:
            return 1.0
        published = dt.datetime.fromtimestamp(ts, CHINA_TZ).date()
        age = max(0, (anchor - published).days)
        return math.pow(0.5, age / self.recency_half_life_days)


class _DenseLists:
    """Dense candidate lists under filters, fast.

    Chroma's metadata-filtered query costs ~35 ms per 10k chunks on 2 cores (it scans metadata), while an
    unfiltered HNSW query costs ~1.5 ms. So one unfiltered query over-fetches, and each list is filtered in
    memory with the BM25 index's filter columns (which mirror the store's complete chunks at the same revision).
    Only when a list ends up shorter than wanted while the over-fetch was saturated (a selective filter) are the
    eligible chunks ranked exactly: cosine over their vectors, which the index holds in memory (a numpy product
    over the pre-filtered rows, ~1 ms per 10k rows), so results are those of a filtered exact search. Without
    in-memory vectors (a server that returned none) small sets use the stored vectors and large ones Chroma's own
    filtered query. Up to EXACT_ALL chunks with vectors in memory, the unfiltered list itself is exact cosine in
    numpy (a few ms, no Chroma round trip): a cold start can then answer from the persisted index alone.
    """

    OVERFETCH = 8
    _q: np.ndarray | None  # the query vector as float32, made on first use
    EXACT_LIMIT = 4000  # without in-memory vectors: exact cosine over the eligible chunks' stored vectors
    EXACT_ALL = 20_000  # up to this many chunks in memory, the unfiltered list is exact too: no Chroma query

    def _exact(self, rows: np.ndarray) -> list[Hit]:
        lex = self.lexical
        if lex.vectors is not None:
            sims = lex.vectors[rows] @ self._query_vector()
            top = _top_stable(sims, self.n)
            out = []
            for i in top.tolist():
                row = int(rows[i])
                out.append(_hit(lex.ids[row], lex.texts[row], lex.metas[row], float(sims[i])))
            return out
        ids = [lex.ids[r] for r in rows]
        vectors = self.store.vectors(ids)
        if not vectors:
            return []
        order = [cid for cid in ids if cid in vectors]
        sims = np.asarray([vectors[c] for c in order], dtype=np.float32) @ self._query_vector()
        top = np.argsort(-sims, kind="stable")[: self.n]
        return [
            _hit(order[i], lex.texts[lex.row_of[order[i]]], lex.metas[lex.row_of[order[i]]], float(sims[i]))
            for i in top
        ]

    def _query_vector(self) -> np.ndarray:
        if self._q is None:
            self._q = np.asarray(self.emb, dtype=np.float32)
        return self._q

    def __init__(
        self,
        store: ChunkStore | StampedStore,
        lexical: LexicalIndex,
        emb: Sequence[float] | np.ndarray,
        as_of: dt.datetime | None,
        kinds: tuple[str, ...],
        symbols: list[str],
        n: int,
    ) -> None:
        self.store, self.lexical, self.emb = store, lexical, emb
        self._q = None
        self.as_of, self.kinds, self.symbols, self.n = as_of, kinds, symbols, n
        self.fetch = min(max(n * self.OVERFETCH, 200), max(len(lexical), 1))
        self.raw: list[tuple[str, float]] = []
        if len(lexical) and lexical.vectors is not None and len(lexical) <= self.EXACT_ALL:
            sims = lexical.vectors @ self._query_vector()
            self.raw = [
                (lexical.ids[i], 1.0 - float(sims[i])) for i in _top_stable(sims, self.fetch).tolist()
            ]
        elif len(lexical):
            self.raw = store.query_ids(emb, self.fetch)

    def ranked(self, language: str | None = None, linked: list[str] | None = None) -> list[Hit]:
        lex = self.lexical
        mask = lex.mask(as_of_ts(self.as_of), self.kinds, self.symbols, language)
        if linked:
            entity = lex.mask(None, (), linked)
            mask = entity if mask is None else mask & entity
        hits: list[Hit] = []
        for cid, distance in self.raw:
            row = lex.row_of.get(cid)
            if row is None or (mask is not None and not mask[row]):
                continue  # incomplete, newer than the index revision, or filtered out
            hits.append(_hit(cid, lex.texts[row], lex.metas[row], 1.0 - distance))
            if len(hits) == self.n:
                return hits
        eligible = len(lex) if mask is None else int(mask.sum())
        if len(self.raw) < self.fetch or eligible <= len(hits):
            return hits  # everything eligible was seen
        if mask is not None and (lex.vectors is not None or eligible <= self.EXACT_LIMIT):
            return self._exact(np.flatnonzero(mask))
        where = build_where(self.as_of, self.kinds, self.symbols)
        if language:
            where = _and(where, {"language": language})
        if linked:
            where = _and(where, build_where(symbols=linked, complete_only=False))
        found = self.store.query(self.emb, self.n, where)
        return [_dense_hit(c) for c in found if not is_quarantined(c.metadata, c.text)]


def _top_stable(scores: np.ndarray, n: int) -> np.ndarray:
    """Positions of the n highest scores, highest first, ties in position order: exactly
    `np.argsort(-scores, kind="stable")[:n]`, without sorting every score."""
    if len(scores) <= n:
        return np.argsort(-scores, kind="stable")
    kth = np.partition(scores, len(scores) - n)[len(scores) - n]  # the n-th highest value
    candidates = np.flatnonzero(scores >= kth)  # ascending positions, ties at the boundary included
    return candidates[np.argsort(-scores[candidates], kind="stable")][:n]


def _and(where: dict[str, Any] | None, extra: dict[str, Any] | None) -> dict[str, Any] | None:
    parts = [w for w in (where, extra) if w]
    flat: list[dict[str, Any]] = []
    for w in parts:
        flat.extend(w["$and"] if set(w) == {"$and"} else [w])
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else {"$and": flat}


def _limit(hits: list[Hit], k: int, max_per_citation: int | None) -> list[Hit]:
    if not max_per_citation:
        return hits[:k]
    per: dict[str, int] = {}
    out = []
    for h in hits:
        per[h.citation_id] = per.get(h.citation_id, 0) + 1
        if per[h.citation_id] <= max_per_citation:
            out.append(h)
            if len(out) == k:
                break
    return out


def _dense_hit(c: StoredChunk) -> Hit:
    return _hit(c.chunk_id, c.text, c.metadata, 1.0 - (c.distance or 0.0))


def _hit(chunk_id: str, text: str, meta: dict[str, Any], score: float) -> Hit:
    return Hit(
        chunk_id=chunk_id,
        citation_id=str(meta.get("citation_id", chunk_id.split("#")[0])),
        kind=str(meta.get("kind", "")),
        title=str(meta.get("title", "")),
        text=text,
        score=score,
        metadata=dict(meta),
    )
