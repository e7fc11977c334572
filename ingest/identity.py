"""Which stored document a loose file is: its source path, not its file stem.

A loose document's citation id is its stem (`notes.md` -> `notes`), so `a/notes.md` and, later, `c/notes.md`
used to replace each other silently. Now a file keeps the id it was first stored under (the manifest records
each document's origin), a different file whose stem is taken gets the stem plus a short hash of its path
(`notes~1a2b3c4d`), and the report says so. The same file with new content is an update: it replaces its old
version, and the report says that too. An article id that arrives from another file with other content is a
true conflict (ids are the author's, never renamed): the newer replaces the older, reported.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from assistant.retrieval.store import DocRecord
from ingest.items import IngestItem

_POSITION = re.compile(r"(?::\d+|\[\d+\])$")  # news.jsonl:3, news.json[2]


def source_file(origin: str) -> str:
    """The file an item came from: its origin without a line or list position."""
    return _POSITION.sub("", origin or "")


def _same(a: str, b: str) -> bool:
    return Path(a).absolute() == Path(b).absolute()


def identify_loose_documents(
    items: Sequence[IngestItem], manifest: Mapping[str, DocRecord], notes: list[str]
) -> list[IngestItem]:
    """`items` with each loose document's id chosen by its source path (see the module docstring)."""
    owner_of: dict[str, str] = {}  # stored file -> the id it is stored under
    holder: dict[str, str] = {}  # id -> the file that holds it
    for rec in manifest.values():
        if rec.kind == "document" and rec.origin:
            owner_of.setdefault(str(Path(rec.origin).absolute()), rec.citation_id)
            holder[rec.citation_id] = rec.origin
        elif rec.origin:
            holder[rec.citation_id] = source_file(rec.origin)
    out: list[IngestItem] = []
    for item in items:
        if item.kind != "document" or not item.origin:
            out.append(item)
            continue
        path = str(Path(item.origin).absolute())
        cid = owner_of.get(path, item.citation_id)
        taken_by = holder.get(cid)
        if taken_by is not None and not _same(taken_by, path):
            cid = f"{item.citation_id}~{hashlib.sha1(path.encode('utf-8')).hexdigest()[:8]}"
            notes.append(
                f"{item.origin}: id {item.citation_id!r} already belongs to {taken_by}; stored as {cid!r}"
            )
        holder[cid] = path
        owner_of[path] = cid
        out.append(item if cid == item.citation_id else replace(item, citation_id=cid))
    return out


def conflict_note(item: IngestItem, known: DocRecord) -> str | None:
    """A note when a stored item is replaced by one from another source file (a true conflict), or by its own
    file's new content (an update); None when either origin is unknown."""
    before, now = source_file(known.origin), source_file(item.origin)
    if not before or not now:
        return None
    if _same(before, now):
        return f"{item.origin}: changed since it was last ingested as {item.citation_id!r}; the new content replaces it"
    return (
        f"{item.origin}: conflict: id {item.citation_id!r} came from {known.origin} with other content; "
        "the newer version replaces it"
    )
