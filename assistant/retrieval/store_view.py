"""Open a store for answering: from its stamp when it has one, so Chroma opens only when something needs it.

A cold `ask` on an unchanged store reads the stamp (store_stamp), loads the persisted search index of that revision
and answers; chromadb is never imported. Anything the stamp cannot answer (a write, an index that was never
persisted, a store written since) opens the real `ChunkStore` and carries on there, so behaviour is the same,
only later.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.retrieval.encoders import Embedder, get_encoder
from assistant.retrieval.store import CHUNKS, ChunkStore
from assistant.retrieval.store_health import sqlite_problem
from assistant.retrieval.store_stamp import Stamp, read_stamp, stamp_state

if TYPE_CHECKING:
    from assistant.config import Settings


class StampedStore:
    """A `ChunkStore` stand-in that answers revision, lexicon and ingest-state questions from the stamp while it
    holds, and opens the real store for everything else (then, for good: `__getattr__` delegates)."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.name = CHUNKS
        self.folder = Path(settings.store)
        self.location = str(self.folder / "chroma")  # as ChunkStore names it: the persisted index's key
        self.cache_dir = self.folder / "cache" / "lexical"
        self.user_cache_dir = settings.user_cache_dir  # jieba's caches, shared by all stores (as ChunkStore)
        self._real: ChunkStore | None = None
        self._lock = threading.Lock()
        self._state: tuple[int, int, int] | None = None
        self._stamp: Stamp | None = None

    def _current(self) -> Stamp | None:
        """The stamp as it is now (re-read only when the file changed); None once Chroma is open, or the stamp is
        gone or not ours: then the real store answers."""
        if self._real is not None:
            return None
        state = stamp_state(self.folder)
        if state != self._state:
            stamp = read_stamp(self.folder) if state is not None else None
            self._state = state
            self._stamp = stamp if stamp is not None and stamp.embedder == self.embedder.name else None
        return self._stamp

    def real(self) -> ChunkStore:
        """The Chroma-backed store, opened on first need."""
        with self._lock:
            if self._real is None:
                self._real = ChunkStore.open(self.settings, embedder=self.embedder)
            return self._real

    def revision(self) -> str:
        stamp = self._current()
        return stamp.revision if stamp is not None else self.real().revision()

    def lexicon(self) -> dict[str, str]:
        stamp = self._current()
        return dict(stamp.lexicon) if stamp is not None else self.real().lexicon()

    def holds_input(self, fingerprint: str) -> bool:
        stamp = self._current()
        return stamp.input == fingerprint if stamp is not None else self.real().holds_input(fingerprint)

    def stamp(self) -> None:
        """Stamped already, unless Chroma had to open (then the real store stamps what it found)."""
        if self._real is not None:
            self._real.stamp()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)


def open_for_answers(settings: Settings) -> ChunkStore | StampedStore:
    """The store to answer from: a `StampedStore` when the embedded store has a stamp for the configured embedder,
    else the opened `ChunkStore` (a Chroma server, a new store, or one a writer has not stamped yet)."""
    embedder = get_encoder(settings.embedder)
    if not settings.chroma_url:
        stamp = read_stamp(Path(settings.store))
        database = Path(settings.store) / "chroma" / "chroma.sqlite3"
        sound = database.is_file() and sqlite_problem(database) is None  # damage is reported, never served
        if stamp is not None and stamp.embedder == embedder.name and sound:
            return StampedStore(settings, embedder)
    return ChunkStore.open(settings, embedder=embedder)


__all__ = ["StampedStore", "open_for_answers"]
