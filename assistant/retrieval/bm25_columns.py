"""A query's BM25 scores from the index bm25s built, without importing bm25s.

bm25s does the BM25 arithmetic once, at indexing: every (token, chunk) score goes into a sparse column matrix
(CSC: `data`, `indices`, `indptr`). A query's scores are then the sum of its tokens' columns. Importing bm25s
imports scipy (~70 ms, a twentieth of a cold `ask` that only reads a persisted index), so the columns are
persisted and summed here, the way bm25s sums them (float32, token by token in query order, repeats counted):
the scores are bit-identical, which a test checks. `build_columns` builds with bm25s, or reads an index of the
very same tokens from a per-user cache (data only, in a folder nobody else can write).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.private_cache import package_version, publish_folder

_FILES = ("data.npy", "indices.npy", "indptr.npy")


@dataclass(frozen=True)
class Bm25Columns:
    vocab: dict[str, int]  # token -> column
    data: np.ndarray  # float32 scores, column after column
    indices: np.ndarray  # the row (chunk) of each score
    indptr: np.ndarray  # column c is data[indptr[c]:indptr[c + 1]]
    num_docs: int

    @classmethod
    def empty(cls, num_docs: int = 0) -> Bm25Columns:
        return cls({}, np.zeros(0, np.float32), np.zeros(0, np.int32), np.zeros(1, np.int64), num_docs)

    @classmethod
    def of(cls, bm25: Any, num_docs: int) -> Bm25Columns:
        """The columns of a `bm25s.BM25` after it indexed `num_docs` documents (an unindexed one has none)."""
        if getattr(bm25, "nonoccurrence_array", None) is not None:
            raise ValueError(
                f"BM25 method {bm25.method!r} adds non-occurrence scores, which are not summed here"
            )
        scores = getattr(bm25, "scores", None)
        if not scores:
            return cls.empty(num_docs)
        columns = len(scores["indptr"]) - 1  # bm25s's vocabulary also holds "" with no column: left out
        vocab = {t: c for t, c in bm25.vocab_dict.items() if 0 <= c < columns}
        return cls(vocab, scores["data"], scores["indices"], scores["indptr"], num_docs)

    def scores(self, tokens: list[str]) -> np.ndarray:
        """Each chunk's BM25 score for the query `tokens` (tokens outside the vocabulary count nothing)."""
        out = np.zeros(self.num_docs, dtype=self.data.dtype)
        for token in tokens:
            column = self.vocab.get(token)
            if column is not None:
                start, end = self.indptr[column], self.indptr[column + 1]
                np.add.at(out, self.indices[start:end], self.data[start:end])
        return out

    def save(self, folder: Path) -> None:
        """Into an existing `folder`: `.npy` without pickle, and JSON."""
        for name, array in zip(_FILES, (self.data, self.indices, self.indptr)):
            np.save(folder / name, array, allow_pickle=False)
        meta = {"num_docs": self.num_docs, "vocab": self.vocab}
        (folder / "vocab.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Bm25Columns:
        """What `save` wrote, checked so that a tampered file cannot index out of bounds. Raises ValueError
        (or OSError)."""
        data, indices, indptr = (np.load(folder / name, allow_pickle=False) for name in _FILES)
        meta = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        num_docs, vocab = int(meta["num_docs"]), meta["vocab"]
        columns = len(indptr) - 1
        if not (
            isinstance(vocab, dict)
            and data.ndim == indices.ndim == indptr.ndim == 1
            and data.dtype.kind == "f"
            and indices.dtype.kind in "iu"
            and indptr.dtype.kind in "iu"
            and len(data) == len(indices)
            and columns >= 0
            and (columns == 0 or (indptr[0] == 0 and indptr[-1] == len(data)))
            and bool(np.all(np.diff(indptr) >= 0))
            and (len(indices) == 0 or (int(indices.min()) >= 0 and int(indices.max()) < num_docs))
            and all(isinstance(c, int) and 0 <= c < columns for c in vocab.values())
        ):
            raise ValueError(f"not a BM25 column index: {folder}")
        return cls({str(t): int(c) for t, c in vocab.items()}, data, indices, indptr, num_docs)


CACHED_INDEXES = 8  # per-user cache: the most recently used indexes kept
# Corpora of more documents are not cached: they change with every ingest, so caching them would only fill disks.
CACHE_LIMIT = 20_000


def build_columns(tokens: list[list[str]], cache: Path | None = None) -> Bm25Columns:
    """bm25s's index of `tokens` (one token list per document). With `cache` (a private per-user folder) an index
    of the very same tokens built before is read instead, so a new store of documents indexed before (a fresh
    store of the bundled sample, an eval store) imports neither bm25s nor scipy (~80 ms)."""
    entry = _entry(tokens, cache) if cache is not None and len(tokens) <= CACHE_LIMIT else None
    if entry is not None and entry.is_dir():
        try:
            columns = Bm25Columns.load(entry)
            if columns.num_docs == len(tokens):
                os.utime(entry)  # recently used: kept
                return columns
        except (OSError, ValueError, KeyError, TypeError):
            shutil.rmtree(entry, ignore_errors=True)  # a damaged entry is rebuilt and replaced
    import bm25s

    bm25 = bm25s.BM25()
    if tokens:
        bm25.index(tokens, show_progress=False)
    columns = Bm25Columns.of(bm25, len(tokens))
    if entry is not None:
        _keep(columns, entry)
    return columns


def _entry(tokens: list[list[str]], cache: Path) -> Path:
    digest = hashlib.sha256(f"{package_version('bm25s')}\0{len(tokens)}".encode())
    for doc in tokens:  # JSON: unambiguous whatever characters a token holds
        digest.update(json.dumps(doc, ensure_ascii=False).encode())
    return cache / digest.hexdigest()[:40]


def _keep(columns: Bm25Columns, entry: Path) -> None:
    with contextlib.suppress(OSError):  # not kept: a later build of these tokens builds again
        publish_folder(entry, columns.save)
    try:
        kept = sorted(
            (p for p in entry.parent.iterdir() if p.is_dir() and not p.name.endswith(".tmp")),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
    except OSError:  # another process evicted at the same time: its pass is as good as ours
        return
    for old in kept[CACHED_INDEXES:]:
        shutil.rmtree(old, ignore_errors=True)
