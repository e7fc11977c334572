"""Recognise a damaged store and say what is wrong and the one command that rebuilds it.

A truncated `chroma.sqlite3` can open "fine" and silently serve a fraction of the chunks, so its header is checked
on open (O(1): the page count the header records against the file's size). Errors Chroma raises while reading
(malformed database, an HNSW index that does not load) are translated at the store's read methods, after one
reload from disk has ruled out a merely stale view (see store_lock).
"""

from __future__ import annotations

import shutil
import struct
import time
from pathlib import Path

from assistant.errors import MarketAssistantError

REBUILD_COMMAND = "market-assistant ingest --rebuild"
_DAMAGE_MARKERS = (
    "malformed",
    "hnsw",
    "not a database",
    "error finding id",
    "error getting embedding",
    "file is encrypted",
    "disk image",
    "no such table",
    "corrupt",
)


class StoreDamagedError(MarketAssistantError):
    """The store on disk is damaged; the message names the file, the problem and the repair command."""

    def __init__(self, location: str, problem: str, repair: str = REBUILD_COMMAND) -> None:
        self.location, self.problem, self.repair = location, problem, repair
        super().__init__(
            f"the store at {location} is damaged: {problem}. Rebuild it with `{repair}` "
            f"(add the files you ingested before, or --snapshot)."
        )


def looks_like_damage(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(marker in text for marker in _DAMAGE_MARKERS)


def sqlite_problem(path: Path) -> str | None:
    """None when the SQLite file's header is sound and the file is as long as the header says; else the problem."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            header = fh.read(100)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{path.name} cannot be read ({exc.strerror or exc})"
    if size == 0:
        return None  # a brand-new store
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return f"{path.name} is not an SQLite database (bad header)"
    page_size = struct.unpack(">H", header[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    change_counter, pages = struct.unpack(">II", header[24:32])
    valid_for = struct.unpack(">I", header[92:96])[0]
    if pages and valid_for == change_counter and size < pages * page_size:
        return f"{path.name} is truncated ({size} of {pages * page_size} bytes)"
    return None


def move_aside(folder: Path) -> Path | None:
    """Rename a damaged store folder to `<name>.damaged-<timestamp>` (kept for inspection); None if absent."""
    if not folder.exists():
        return None
    target = folder.with_name(f"{folder.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    shutil.move(str(folder), str(target))
    return target
