"""The same ingest and search behaviour against the embedded store and a real `chroma run` server."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings, bundled_sample_path
from assistant.retrieval.embedders import HashingEmbedder
from assistant.retrieval.hybrid import HybridSearcher
from assistant.retrieval.store import ChunkStore, EmbedderMismatchError
from ingest.pipeline import ingest_snapshot

AS_OF = dt.datetime(2026, 1, 9, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
CHROMA = Path(sys.executable).with_name("chroma")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(data), "--port", str(port), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"chroma server did not start (exit code {proc.poll()})")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.slow)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Settings, str]:
    """(settings, collection-name prefix): the server is shared by the module, so each test gets its own names."""
    name = request.node.originalname
    if request.param == "server":
        return Settings(store=tmp_path, chroma_url=request.getfixturevalue("chroma_server")), name
    return Settings(store=tmp_path), name


def test_ingest_search_and_reingest(settings: tuple[Settings, str]) -> None:
    s, name = settings
    store = ChunkStore.open(s, embedder=HashingEmbedder(64), name=f"{name[:40]}-c")
    first = ingest_snapshot(bundled_sample_path(), store)
    assert first.added and not first.rejected
    again = ingest_snapshot(bundled_sample_path(), store)
    assert not again.added and len(again.unchanged) == len(first.added)
    hits = HybridSearcher(store).search("钨价 厦门钨业", k=5, as_of=AS_OF, kind="news", symbols=["600549"])
    assert hits and all(h.kind == "news" and "600549" in h.symbols for h in hits)
    assert "sample-20260110-lookahead" not in {h.citation_id for h in hits}


def test_mismatched_embedder_refused(settings: tuple[Settings, str]) -> None:
    s, name = settings
    store = ChunkStore.open(s, embedder=HashingEmbedder(64), name=f"{name[:40]}-m")
    ingest_snapshot(bundled_sample_path(), store)
    with pytest.raises(EmbedderMismatchError):
        ChunkStore.open(s, embedder=HashingEmbedder(32), name=f"{name[:40]}-m")
