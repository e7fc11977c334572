"""The store's stamp: what a reader needs to answer from the persisted search index without opening Chroma.

Importing chromadb and starting an embedded client costs more than half a second, most of a cold `ask` beyond
the libraries every answer needs, while everything a search reads is already in the persisted index of the
store's current revision (texts, metadata, tokens, vectors). The stamp says which revision that is, with the
names the ingests recorded and the last input an ingest stored, so a reader can trust that index.

It is only as true as the writers keep it: every revision bump removes it (before the write, so a writer that
dies half-way leaves none) and a writer that completes writes it again, under the store's write lock. No stamp
means "open Chroma". Only embedded stores have one: a Chroma server can be written by other hosts.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STAMP_FILE = "stamp.json"
FORMAT = 1


@dataclass(frozen=True)
class Stamp:
    revision: str
    embedder: str
    lexicon: dict[str, str] = field(default_factory=dict)
    input: str | None = (
        None  # fingerprint of the input the last ingest stored, when nothing was written since
    )


def read_stamp(folder: Path) -> Stamp | None:
    """The stamp of the store at `folder`; None when there is none or it cannot be read (then Chroma opens)."""
    try:
        data: Any = json.loads((folder / STAMP_FILE).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.pop("format", None) != FORMAT:
            return None
        stamp = Stamp(**data)
        if not isinstance(stamp.lexicon, dict) or not isinstance(stamp.revision, str) or not stamp.revision:
            return None
        return stamp
    except (OSError, ValueError, TypeError):
        return None


def stamp_state(folder: Path) -> tuple[int, int, int] | None:
    """What changes whenever the stamp is written or removed (a reader re-reads it only then)."""
    try:
        stat = (folder / STAMP_FILE).stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def write_stamp(folder: Path, stamp: Stamp) -> None:
    """Atomically (a reader sees the old stamp, none, or the new one). Call with the store's write lock held."""
    tmp = folder / f".{STAMP_FILE}.{os.getpid()}.tmp"
    try:
        tmp.write_text(json.dumps({"format": FORMAT, **asdict(stamp)}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, folder / STAMP_FILE)
    except OSError:
        tmp.unlink(missing_ok=True)  # no stamp only means readers open Chroma


def clear_stamp(folder: Path) -> None:
    """Before any write to the store: until a completed write stamps it again, readers open Chroma."""
    (folder / STAMP_FILE).unlink(missing_ok=True)


__all__ = ["STAMP_FILE", "Stamp", "clear_stamp", "read_stamp", "stamp_state", "write_stamp"]
