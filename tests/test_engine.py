"""The engine opens the store itself (`warm`) before answering; nothing in `answer/` calls back up into it."""

from __future__ import annotations

import socket

import pytest

from assistant.config import Settings
from assistant.engine import Engine
from assistant.errors import UpstreamError


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_store_that_cannot_open_leaves_market_answers_working(tmp_path) -> None:
    settings = Settings(store=tmp_path, chroma_url=f"http://127.0.0.1:{_closed_port()}")
    engine = Engine(settings, progress=False)
    with pytest.raises(Exception, match=r".+"):  # noqa: B017 - whatever the client raises, the answers must not care
        engine.warm()
    answer = engine.ask("560500前十大权重股是什么？")
    assert "600549" in answer.answer or "厦门钨业" in answer.answer
    with pytest.raises(UpstreamError, match="open store"):
        engine.toolbox.search_news("钨")


def test_warm_hands_the_open_searcher_to_the_toolbox(tmp_path) -> None:
    engine = Engine(Settings(store=tmp_path), progress=False)
    assert engine.toolbox.searcher is None
    searcher = engine.warm()
    assert engine.toolbox.searcher is searcher and engine.warm() is searcher
    hits = engine.toolbox.search_news("钨", k=2)
    assert hits.passages and all(p.published_at <= engine.md.info.as_of for p in hits.passages)
