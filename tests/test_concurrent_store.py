"""Several processes on one fresh embedded store at once: N `ingest` writers and M `ask` readers.

Afterwards a full consistency check from a fresh process view: every document in the manifest has exactly its
chunks, once, all complete, each with a readable vector that the HNSW index returns. Before the writer lock and
the fresh-view rule, a writer whose Chroma view predated another writer's batch overwrote that batch's vectors
("Error finding id", chunks without vectors)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.retrieval.store import ChunkStore

EMBEDDER = "hash:64"
BIN = Path(sys.executable).with_name("market-assistant")
WRITERS, READERS, DOCS = 3, 2, 600

pytestmark = pytest.mark.slow


def _corpus(folder: Path, writer: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(DOCS):
        shared = i % 5 == 0  # some documents are written by every writer (same path, same content)
        name = f"shared-{i}.md" if shared else f"w{writer}-{i}.md"
        owner = 0 if shared else writer
        (folder / name).write_text(
            f"# 文档 {name}\n\n钨价与稀土价格在{owner}号样本中第{i}次变化。", encoding="utf-8"
        )
    return folder


def test_writers_and_readers_leave_a_consistent_store(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    # A cheap deterministic embedder keeps five processes affordable on a shared machine; Chroma is the real one.
    env = {
        **os.environ,
        "PYTHONIOENCODING": "utf-8",
        "MARKET_ASSISTANT_STORE": str(store_dir),
        "MARKET_ASSISTANT_EMBEDDER": EMBEDDER,
        "OMP_NUM_THREADS": "1",
    }
    procs = []
    for w in range(WRITERS):
        folder = _corpus(tmp_path / f"in{w}", w)
        procs.append(
            subprocess.Popen(
                [str(BIN), "ingest", str(folder)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    for _ in range(READERS):
        procs.append(
            subprocess.Popen(
                [str(BIN), "ask", "为什么560500今天上涨？"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    for p, out in zip(procs, outputs):
        assert p.returncode == 0, out

    store = ChunkStore.open(Settings(store=store_dir), embedder=EMBEDDER)
    manifest = store.manifest()
    assert len([c for c in manifest if c.startswith(("shared-", "w"))]) >= WRITERS * DOCS * 4 // 5
    got = store.collection.get(include=["metadatas"])
    per_doc = Counter(m["citation_id"] for m in got["metadatas"])
    assert all(m["complete"] for m in got["metadatas"]), "incomplete chunks left behind"
    assert len(set(got["ids"])) == len(got["ids"])
    for cid, rec in manifest.items():
        assert per_doc[cid] == rec.chunks, f"{cid}: {per_doc[cid]} chunks stored, manifest says {rec.chunks}"
    assert set(per_doc) == set(manifest), "chunks of documents missing from the manifest"
    vectors = store.vectors(got["ids"])  # every chunk has a readable vector...
    assert len(vectors) == len(got["ids"])
    hits = store.query_ids(np.ones(store.embedder.dim, dtype=np.float32), len(got["ids"]))
    missing = set(got["ids"]) - {h for h, _ in hits}
    assert not missing, f"{len(missing)} chunks missing from the vector index, e.g. {sorted(missing)[:3]}"


_WRITE_ELSEWHERE = """
import sys
from assistant.config import Settings
from assistant.retrieval.store import ChunkStore
from ingest.items import IngestItem
from ingest.pipeline import ingest_items
store = ChunkStore.open(Settings(store=sys.argv[1]), embedder="hash:64")
ingest_items([IngestItem(f"b{i}", "document", f"b{i}", f"钨价第{i}次变化。") for i in range(1500)], store)
"""


def test_a_writer_whose_view_predates_another_process_write_reloads_it(tmp_path: Path) -> None:
    """The real cause of the missing vectors: a process that loaded its view, then writes after another process
    wrote a large batch, persisted its stale HNSW index over the other's (reproduced with the writes sequential)."""
    from ingest.items import IngestItem
    from ingest.pipeline import ingest_items

    store = ChunkStore.open(Settings(store=tmp_path / "s"), embedder=EMBEDDER)
    ingest_items([IngestItem(f"a{i}", "document", f"a{i}", f"稀土第{i}次变化。") for i in range(10)], store)
    store.query_ids(np.ones(64, dtype=np.float32), 1)  # this process's HNSW view is loaded now
    subprocess.run(
        [sys.executable, "-c", _WRITE_ELSEWHERE, str(tmp_path / "s")],
        check=True,
        timeout=300,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    ingest_items([IngestItem(f"c{i}", "document", f"c{i}", f"锂价第{i}次变化。") for i in range(1500)], store)
    assert store.revision()  # a reader path too: reloads when another process moved the revision
    ids = store.collection.get(include=[])["ids"]
    assert len(ids) == 3010
    hits = {h for h, _ in store.query_ids(np.ones(64, dtype=np.float32), len(ids))}
    assert len(store.vectors(ids)) == len(ids) and hits == set(ids)
