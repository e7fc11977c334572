"""A content-addressed cache of passage embeddings: (embedder id, sha256 of the exact passage text) -> float32 vector.

The ingest pipeline looks every chunk up before encoding and encodes only the misses. Two layers:
- writable: settings.store/"cache"/"embeddings"/<embedder id>.npz, merged and replaced atomically on `flush`;
- read-only seed shipped in the package (assistant/data/embeddings/<embedder id>.npz) with the vectors of the
  bundled sample snapshot, so a fresh install answers without encoding it. Generate it with
  `python -m ingest.seed` (ingests the bundled sample exactly as `ask` does).

A file is only used when the embedder id recorded inside it equals the current one exactly (name, package version
and dimension), so a vector is never served for another model or another text. A corrupt file is ignored with a
warning (and the writable one is rewritten on the next flush).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

FORMAT = 1


def embedder_id(embedder: Any) -> str:
    """Identity of an embedder's passage vectors: its store name, package version (when known) and dimension."""
    version = getattr(embedder, "version", None)
    parts = [str(embedder.name)]
    if version:
        parts.append(f"v{version}")
    parts.append(f"d{int(embedder.dim)}")
    return "-".join(parts)


def file_stem(identity: str) -> str:
    """A file-name-safe form of an embedder id (ids with '/' or ':' get a hash suffix to stay unique)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", identity)
    if safe != identity:
        safe += "-" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:10]
    return safe


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def seed_dir() -> Path:
    from importlib import resources

    return Path(str(resources.files("assistant") / "data" / "embeddings"))


def load_vectors(path: Path, identity: str, dim: int) -> dict[bytes, np.ndarray]:
    """Entries of one cache file; {} when absent, for another embedder, or corrupt (with a warning)."""
    if not path.is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            stored_id = str(data["embedder"][()])
            fmt = int(data["format"][()])
            keys = np.asarray(data["keys"])
            vectors = np.asarray(data["vectors"])
    except Exception as exc:  # noqa: BLE001 - zip, npy and key errors alike: a cache never breaks an ingest
        log.warning("ignoring corrupt embedding cache %s (%s)", path, exc)
        return {}
    if stored_id != identity:
        return {}  # another embedder or version: never served
    if (
        fmt != FORMAT
        or keys.dtype != np.uint8
        or keys.ndim != 2
        or keys.shape[1] != 32
        or vectors.dtype != np.float32
        or vectors.shape != (keys.shape[0], dim)
        or not np.isfinite(vectors).all()
    ):
        log.warning("ignoring corrupt embedding cache %s (unexpected format or shapes)", path)
        return {}
    return {k.tobytes(): v for k, v in zip(keys, vectors)}


def save_vectors(path: Path, identity: str, entries: dict[bytes, np.ndarray], dim: int) -> None:
    """Write atomically: a temporary file in the same folder, then os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = np.frombuffer(b"".join(entries), dtype=np.uint8).reshape(len(entries), 32)
    vectors = np.asarray(list(entries.values()), dtype=np.float32).reshape(len(entries), dim)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".npz.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, format=np.array(FORMAT), embedder=np.array(identity), keys=keys, vectors=vectors)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would make a shipped seed unreadable to other users
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class EmbeddingCache:
    """Passage vectors of one embedder. `directory` is the writable layer (None: read-only); `seed` the shipped
    read-only one (None: no seed). Files load lazily, so the id (and the embedder's dim) is computed on first use."""

    def __init__(self, embedder: Any, directory: Path | None, seed: Path | None = None) -> None:
        self.embedder = embedder
        self.directory = Path(directory) if directory is not None else None
        self.seed = Path(seed) if seed is not None else None
        self._lock = threading.Lock()
        self._entries: dict[bytes, np.ndarray] | None = None
        self._new: dict[bytes, np.ndarray] = {}
        self._identity: str | None = None
        self.hits = 0
        self.misses = 0

    @classmethod
    def for_store(cls, embedder: Any, store_root: Path) -> EmbeddingCache:
        return cls(embedder, Path(store_root) / "cache" / "embeddings", seed_dir())

    @property
    def identity(self) -> str:
        if self._identity is None:
            self._identity = embedder_id(self.embedder)
        return self._identity

    @property
    def path(self) -> Path | None:
        return self.directory / f"{file_stem(self.identity)}.npz" if self.directory is not None else None

    def _loaded(self) -> dict[bytes, np.ndarray]:
        if self._entries is None:
            dim = int(self.embedder.dim)
            entries: dict[bytes, np.ndarray] = {}
            if self.seed is not None:
                entries.update(
                    load_vectors(self.seed / f"{file_stem(self.identity)}.npz", self.identity, dim)
                )
            if self.path is not None:
                entries.update(load_vectors(self.path, self.identity, dim))
            self._entries = entries
        return self._entries

    def lookup(self, texts: Sequence[str]) -> tuple[list[np.ndarray | None], list[int]]:
        """(vector or None per text, indices of the misses)."""
        with self._lock:
            entries = self._loaded()
            found = [entries.get(text_key(t)) for t in texts]
        missing = [i for i, v in enumerate(found) if v is None]
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        return found, missing

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        if len(texts) != len(vectors):
            raise ValueError(f"{len(texts)} texts but {len(vectors)} vectors")
        with self._lock:
            entries = self._loaded()
            for text, vec in zip(texts, vectors):
                key = text_key(text)
                entries[key] = self._new[key] = vec.copy()

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Cached vectors for the hits; the misses encoded together in one call (and remembered)."""
        found, missing = self.lookup(texts)
        if missing:
            fresh = np.asarray(self.embedder.embed_documents([texts[i] for i in missing]), dtype=np.float32)
            self.put([texts[i] for i in missing], fresh)
            for j, i in enumerate(missing):
                found[i] = fresh[j]
        if not texts:
            return np.zeros((0, int(self.embedder.dim)), np.float32)
        return np.stack([np.asarray(v, dtype=np.float32) for v in found])

    def flush(self) -> None:
        """Merge this run's new vectors into the writable file (re-read first, so concurrent runs lose little)."""
        path = self.path
        with self._lock:
            if path is None or not self._new:
                return
            dim = int(self.embedder.dim)
            merged = load_vectors(path, self.identity, dim)
            merged.update(self._new)
            try:
                save_vectors(path, self.identity, merged, dim)
            except OSError as exc:
                log.warning("could not write the embedding cache %s (%s)", path, exc)
                return
            self._new = {}
