"""The sections a document was split into, kept once per user: a new store of documents this user has ingested
before (a fresh store of the bundled sample, an eval store) reuses them instead of importing LangChain's text
splitters (~0.13 s of a fresh store's first answer) and splitting again.

Keyed by the item's content hash (its kind, title and text, and the chunker's sizes) and by the splitting code
(`chunking.splitting_code`: its source and the splitter package's version): any change splits afresh. Data only (JSON), in the
per-user folder that `private_cache` accepts (nobody else can write it), so nothing read can run code or have
been planted; an unreadable or malformed entry is only a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from assistant.private_cache import user_folder

Sections = list[tuple[str, str]]  # (heading path, piece), as Chunker.sections gives them


class SectionCache:
    def __init__(self, folder: Path | None, code: str) -> None:
        self.folder = folder  # None: no cache (no private per-user folder)
        self.code = code  # the splitting code's signature

    @classmethod
    def for_user(cls, user_cache: Path | None, code: str) -> SectionCache:
        return cls(None if user_cache is None else user_folder(user_cache, "sections"), code)

    def _file(self, doc_hash: str) -> Path | None:
        if self.folder is None:
            return None
        key = hashlib.sha256(f"{doc_hash}\0{self.code}".encode()).hexdigest()[:40]
        return self.folder / f"{key}.json"

    def get(self, doc_hash: str) -> Sections | None:
        file = self._file(doc_hash)
        if file is None:
            return None
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, list) or not all(
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(s, str) for s in pair)
            for pair in data
        ):
            return None
        return [(path, piece) for path, piece in data]

    def put(self, doc_hash: str, sections: Sections) -> None:
        """Written atomically (a concurrent reader sees the whole entry or none); a failure is only a miss."""
        file = self._file(doc_hash)
        if file is None:
            return
        tmp = file.with_name(f"{file.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(sections, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, file)
        except OSError:
            tmp.unlink(missing_ok=True)
