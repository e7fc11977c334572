"""A snapshot's manifest.json, read without loading the snapshot: the one place outside `SnapshotSource` that
parses it. For the quick looks (is this a snapshot folder? its as-of, origin, frame list) that would otherwise
cost the seconds of a full validation. Nothing here validates: `SnapshotSource` does, at load.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"


def is_snapshot_folder(path: Path) -> bool:
    """A folder with a manifest.json at its top level."""
    return (Path(path) / MANIFEST).is_file()


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of the snapshot folder `path` as a dict; OSError / ValueError when absent or not JSON."""
    data = json.loads((Path(path) / MANIFEST).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{Path(path) / MANIFEST}: not a JSON object")
    return data


def manifest_as_of(path: Path) -> dt.datetime | None:
    """The snapshot's `as_of`, or None when the manifest is missing, unreadable or has none."""
    try:
        value = read_manifest(path).get("as_of")
        return dt.datetime.fromisoformat(value) if value else None
    except (OSError, ValueError, TypeError):
        return None


def files_fingerprint(path: Path, code: Sequence[Path] = (), extra: str = "") -> str:
    """Names, sizes and mtimes of every file under `path`, plus the bytes of the `code` files that derive
    something from it: whether a derived result (the validated-frame cache, an ingest into a store) can be reused
    without reading the folder again. A snapshot never changes once written, so its stat lines are enough."""
    digest = hashlib.sha256(extra.encode())
    for file in code:
        digest.update(Path(file).read_bytes())
    for file in sorted(p for p in Path(path).rglob("*") if p.is_file()):
        stat = file.stat()
        digest.update(f"{file.relative_to(path)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


__all__ = ["MANIFEST", "files_fingerprint", "is_snapshot_folder", "manifest_as_of", "read_manifest"]
