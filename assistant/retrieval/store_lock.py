"""One writer at a time per store, and a fresh Chroma view for whoever writes or reads after a write.

Why both: embedded Chroma keeps each process's HNSW index in memory and persists it from there. A process whose
view predates another process's write and then writes itself persists its stale index over the other's, so those
chunks lose their vectors ("Error finding id", chunks missing from dense search). Serialising writers alone does not
prevent that (the writes were already sequential in the reproduction); each writer must also reopen Chroma after
taking the lock, and a reader must reopen when the store's revision moved. `filelock` gives the inter-process lock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from assistant.errors import MarketAssistantError

LOCK_FILE = "write.lock"
DEFAULT_TIMEOUT_S = float(os.environ.get("MARKET_ASSISTANT_STORE_LOCK_TIMEOUT_S", "600"))


class StoreBusyError(MarketAssistantError):
    """Another process held the store's write lock for longer than the timeout."""


class StoreLock:
    """A re-entrant inter-process lock on `<store>/write.lock` (one object per ChunkStore; threads serialise)."""

    def __init__(self, folder: Path, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / LOCK_FILE
        self.timeout = timeout
        self._lock = FileLock(str(self.path))

    @property
    def held(self) -> bool:
        return bool(self._lock.is_locked)

    @contextmanager
    def hold(self, what: str = "write") -> Iterator[None]:
        try:
            self._lock.acquire(timeout=self.timeout)
        except Timeout as exc:
            raise StoreBusyError(
                f"another process has been writing the store ({self.path.parent}) for over {self.timeout:.0f} s; "
                f"could not {what}. Retry when it finishes (or raise MARKET_ASSISTANT_STORE_LOCK_TIMEOUT_S)."
            ) from exc
        try:
            yield
        finally:
            self._lock.release()


def forget_shared_client(persist_directory: str) -> None:
    """Make the next `chromadb.PersistentClient(path)` in this process load the store from disk again.

    Chroma shares one System (with its in-memory HNSW) per path per process; dropping it from that cache (without
    stopping it: other holders may still read through it) is the only way to a fresh view. Private API, guarded by
    tests/test_concurrent_store.py."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(persist_directory, None)
    SharedSystemClient._identifier_to_refcount.pop(persist_directory, None)
