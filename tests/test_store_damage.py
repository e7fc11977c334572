"""A damaged store is named, explained and repairable with one command; never a traceback or a silent loss."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).with_name("market-assistant")
ENV = {
    **os.environ,
    "PYTHONIOENCODING": "utf-8",
    "MARKET_ASSISTANT_EMBEDDER": "hash:64",
    "OMP_NUM_THREADS": "1",
}

pytestmark = pytest.mark.slow


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, env=ENV, timeout=300)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("damage") / "store"
    r = cli("ingest", "--store", str(store))
    assert r.returncode == 0, r.stderr
    many = store.parent / "many"  # enough chunks that Chroma persists an HNSW index to disk
    many.mkdir()
    for i in range(1200):
        (many / f"n{i}.md").write_text(f"# 钨价 {i}\n\n钨价第{i}次变化。", encoding="utf-8")
    r = cli("ingest", "--store", str(store), str(many))
    assert r.returncode == 0, r.stderr
    return store


@pytest.fixture
def store(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(built, copy)
    return copy


def assert_clean_damage_error(r: subprocess.CompletedProcess[str], *words: str) -> None:
    """Either a clean error (exit 2), or an answer from market data whose news part says the store is damaged."""
    assert r.returncode in (0, 2), (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr + r.stdout
    said = " ".join((r.stderr + r.stdout).split())  # the terminal may wrap a long message
    for w in ("damaged", *words):
        assert w in said, said


def test_truncated_chroma_database_is_reported_and_rebuilt(store: Path) -> None:
    r = cli("ask", "--store", str(store), "为什么560500今天上涨？")  # stamped and indexed: the next ask
    assert r.returncode == 0 and (store / "stamp.json").is_file(), r.stderr  # would not need Chroma...
    db = store / "chroma" / "chroma.sqlite3"
    os.truncate(
        db, (db.stat().st_size // 3) // 4096 * 4096
    )  # on a page boundary: Chroma alone reads it quietly
    r = cli("ask", "--store", str(store), "为什么560500今天上涨？")
    assert_clean_damage_error(r, "truncated", "chroma.sqlite3", "market-assistant ingest --rebuild")
    r = cli("ingest", "--rebuild", "--store", str(store))
    assert r.returncode == 0 and "aside" in r.stderr, r.stderr
    r = cli("ask", "--store", str(store), "为什么560500今天上涨？")
    assert r.returncode == 0 and "1.60%" in r.stdout, r.stderr


def test_damaged_hnsw_header_is_reported(store: Path) -> None:
    header = max(
        (store / "chroma").glob("*/header.bin"), key=lambda p: (p.parent / "data_level0.bin").stat().st_size
    )
    header.write_bytes(b"\xff" * 40 + header.read_bytes()[40:])
    r = cli("ask", "--store", str(store), "钨价新闻")
    assert_clean_damage_error(r, "market-assistant ingest --rebuild")


def test_damaged_session_database_is_reported(store: Path) -> None:
    (store / "sessions.sqlite3").write_bytes(b"this is not a database" * 100)
    r = cli("ask", "--store", str(store), "--session", "s1", "为什么560500今天上涨？")
    assert_clean_damage_error(r, "sessions.sqlite3", "rm ")


def test_planted_hnsw_pickle_runs_nothing_and_is_reported(store: Path) -> None:
    """Chroma keeps `index_metadata.pickle` beside each HNSW index. chromadb 1.x decodes it in Rust with a
    data-only pickle reader, so a crafted one runs no code; it is damage, named with the rebuild command (it used
    to recurse in the store's reload-and-retry until RecursionError)."""
    import pickle

    planted = store.parent / "PWNED"

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {planted}",))

    files = list((store / "chroma").glob("*/index_metadata.pickle"))
    assert files, "the fixture store has an on-disk HNSW index"
    for f in files:
        f.write_bytes(pickle.dumps(Evil()))
    r = cli("ask", "--store", str(store), "钨价新闻")
    assert not planted.exists(), "code from the store ran"
    assert_clean_damage_error(r, "market-assistant ingest --rebuild")
