"""Reads of the chunks collection: complete chunks page by page, by id, and nearest to a vector. Mixed into
`ChunkStore`, whose `_read` retries a read once on a view reloaded from disk."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

PAGE = 5000


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: str
    text: str
    metadata: dict[str, Any]
    distance: float | None = None


class ChunkReads:
    """The chunk reads of `ChunkStore` (which provides `collection` and `_read`)."""

    collection: Any

    def _read(self, call: Callable[[], Any]) -> Any:
        raise NotImplementedError  # ChunkStore._read

    def count(self) -> int:
        return int(self._read(lambda: self.collection.count()))

    def iter_complete(self, include_documents: bool = True, page: int = PAGE) -> Iterator[list[StoredChunk]]:
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
        self, page: int = PAGE
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
        for lo in range(0, len(ids), PAGE):
            got = self._by_ids(ids[lo : lo + PAGE], ["metadatas", "documents"])
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
        for lo in range(0, len(ids), PAGE):
            got = self._by_ids(ids[lo : lo + PAGE], ["embeddings"])
            out.update(zip(got["ids"], (np.asarray(e, dtype=np.float32) for e in got["embeddings"])))
        return out
