"""Sections split before are reused from the per-user cache: same chunks, no splitter import, and a damaged or
planted entry is only a miss."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ingest.chunking import Chunker, ChunkerConfig, splitting_code
from ingest.section_cache import SectionCache
from tests.test_chunking import METHOD, doc

SIGNATURE = ChunkerConfig().signature()


def test_cached_sections_give_the_same_chunks_and_damage_is_a_miss(tmp_path: Path) -> None:
    item = doc(METHOD)
    doc_hash = item.content_hash(SIGNATURE)
    cache = SectionCache.for_user(tmp_path / "user", splitting_code())
    assert cache.folder is not None
    plain = Chunker().chunk(item, doc_hash)
    assert Chunker(cache=cache).chunk(item, doc_hash) == plain  # split, then kept
    [entry] = list(cache.folder.glob("*.json"))
    assert Chunker(cache=cache).chunk(item, doc_hash) == plain  # read back
    assert SectionCache(cache.folder, "edited splitting code").get(doc_hash) is None
    for damage in ("not json", json.dumps([["a", 1]]), json.dumps({"sections": []})):
        entry.write_text(damage, encoding="utf-8")
        assert cache.get(doc_hash) is None
        assert Chunker(cache=cache).chunk(item, doc_hash) == plain  # split afresh and rewritten
    resized = ChunkerConfig(doc_chunk_size=120, overlap=0)
    other = item.content_hash(resized.signature())
    assert Chunker(resized, cache=cache).chunk(item, other) == Chunker(resized).chunk(item, other)


def test_a_second_store_of_the_same_documents_does_not_import_the_splitters(tmp_path: Path) -> None:
    program = """
import sys
from pathlib import Path
from assistant.config import Settings
from assistant.retrieval.store import ChunkStore
from ingest.pipeline import ingest_snapshot
from assistant.config import bundled_sample_path
store = ChunkStore.open(Settings(store=Path(sys.argv[1]), embedder="hash:64", user_cache=Path(sys.argv[2])))
ingest_snapshot(bundled_sample_path(), store)
ids = sorted(c.chunk_id for page in store.iter_complete(include_documents=True) for c in page)
import hashlib
print(len(ids), hashlib.sha256("\\0".join(ids).encode()).hexdigest(), "langchain_text_splitters" in sys.modules)
"""
    user = tmp_path / "user"

    def ingest(store: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", program, str(tmp_path / store), str(user)],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.split()

    first, second = ingest("one"), ingest("two")
    assert int(first[0]) > 20 and first[2] == "True"
    assert second == [first[0], first[1], "False"]  # the same chunks (ids hash their text), not split again
