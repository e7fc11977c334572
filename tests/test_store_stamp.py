"""The store's stamp lets a cold answer skip Chroma, and is never trusted past a write."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.engine import Engine
from assistant.retrieval.store import ChunkStore
from assistant.retrieval.store_health import StoreDamagedError
from assistant.retrieval.store_stamp import read_stamp
from assistant.retrieval.store_view import StampedStore, open_for_answers
from ingest.pipeline import ingest_paths

QUESTION = "为什么560500今天上涨？"


class PowerCut(BaseException):
    """A process killed mid-write (no handler runs, as with SIGKILL)."""


COLD_ASK = """
import json, sys
from assistant.config import Settings
from assistant.engine import Engine
engine = Engine(Settings(store=sys.argv[1], embedder="hash:64"), progress=False)
answer = engine.ask(sys.argv[2])
heavy = ("chromadb", "langchain_core", "bm25s", "scipy")  # a write needs them; an answer from the index does not
print(json.dumps({"answer": answer.answer, "citations": [c.id for c in answer.citations],
                  "imported": [name for name in heavy if name in sys.modules]}))
"""


def cold_ask(store: Path, question: str = QUESTION) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", COLD_ASK, str(store), question], capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout))


def settings(store: Path) -> Settings:
    return Settings(store=store, embedder="hash:64")


def test_a_cold_answer_on_an_unchanged_store_never_opens_chroma(tmp_path: Path) -> None:
    first = cold_ask(tmp_path)  # ingests, stamps and persists the index
    assert "chromadb" in first["imported"] and read_stamp(tmp_path) is not None  # type: ignore[operator]
    again = cold_ask(tmp_path)
    assert again["imported"] == [], f"imported {again['imported']}"
    assert again["answer"] == first["answer"] and again["citations"] == first["citations"]
    assert any(str(c).startswith(("sample-", "em-")) for c in first["citations"])  # news came from the store


def test_a_write_moves_the_stamp_and_the_next_answer_sees_it(tmp_path: Path) -> None:
    Engine(settings(tmp_path), progress=False).ask(QUESTION)
    before = read_stamp(tmp_path)
    assert before is not None
    news = tmp_path / "late.jsonl"
    row = {
        "id": "late-1",
        "title": "钼价快讯",
        "published_at": "2026-01-09T09:00:00+08:00",
        "body": "钼价大涨。",
    }
    news.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    ingest_paths([news], ChunkStore.open(settings(tmp_path)))
    after = read_stamp(tmp_path)
    assert after is not None and after.revision != before.revision
    engine = Engine(settings(tmp_path), progress=False)
    engine.warm()
    assert isinstance(engine.searcher.store, StampedStore)
    assert "late-1" in {p.id for p in engine.toolbox.search_news("钼价", k=3).passages}


def test_a_write_that_dies_half_way_leaves_no_stamp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Engine(settings(tmp_path), progress=False).warm()
    assert isinstance(open_for_answers(settings(tmp_path)), StampedStore)
    store = ChunkStore.open(settings(tmp_path))

    def crash(
        self: ChunkStore,
    ) -> None:  # the chunks are written and flipped visible; the revision never moves
        raise PowerCut  # the process dies: nothing after this runs

    monkeypatch.setattr(ChunkStore, "_bump_revision", crash)
    news = tmp_path / "n.jsonl"
    row = {"id": "n1", "title": "钨价", "published_at": "2026-01-09T09:00:00+08:00", "body": "钨价上涨。"}
    news.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(PowerCut):
        ingest_paths([news], store)
    assert read_stamp(tmp_path) is None
    assert isinstance(open_for_answers(settings(tmp_path)), ChunkStore)  # Chroma is the truth again


def test_a_damaged_database_is_not_answered_from_the_stamp(tmp_path: Path) -> None:
    Engine(settings(tmp_path), progress=False).warm()
    (tmp_path / "chroma" / "chroma.sqlite3").write_bytes(b"not a database" * 10)
    with pytest.raises(StoreDamagedError, match="not an SQLite database"):
        open_for_answers(settings(tmp_path))
