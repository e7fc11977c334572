"""Session memory in SQLite: turns in order, last context for follow-ups, a cap, concurrent writers."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from assistant.answer.schema import Answer, DataInfo
from assistant.config import Settings
from assistant.conversation import SessionStore
from assistant.errors import InputError

DATA = DataInfo(origin="sample", as_of="2026-01-09T15:00:00+08:00", trade_date="2026-01-09")


def answer(question: str, text: str = "…") -> Answer:
    language = "en" if question.isascii() else "zh"
    return Answer(question=question, answer=text, language=language, data=DATA)


@pytest.fixture
def store(tmp_path):
    return SessionStore(tmp_path / "sessions.sqlite3")


def test_turns_round_trip_in_order(store):
    sid = store.new_session()
    assert len(sid) == 32 and store.exists(sid)
    store.append_turn(
        sid,
        "为什么560500今天上涨？",
        answer("为什么560500今天上涨？", "上涨1.60%[1]"),
        {"etf": "560500", "date": dt.date(2026, 1, 9), "intent": "explain_move"},
    )
    store.append_turn(
        sid,
        "and Western Mining?",
        answer("and Western Mining?"),
        {"etf": "560500", "stock": "601168", "intent": "explain_move"},
    )
    turns = store.turns(sid)
    assert [t.question for t in turns] == ["为什么560500今天上涨？", "and Western Mining?"]
    assert turns[0].context == {"etf": "560500", "date": "2026-01-09", "intent": "explain_move"}
    assert turns[0].answer().answer == "上涨1.60%[1]"
    assert turns[0].created_at.tzinfo is not None
    assert store.last_context(sid)["stock"] == "601168"


def test_unknown_sessions(store):
    assert store.turns("nope") == [] and store.last_context("nope") is None
    assert store.ensure("my-chat") == "my-chat" and store.exists("my-chat")
    assert store.ensure("my-chat") == "my-chat"  # idempotent
    assert store.exists(store.ensure(None))


@pytest.mark.parametrize("bad", ["", "a b", "../etc/passwd", "x" * 129, "会话"])
def test_malformed_session_ids_are_rejected(store, bad):
    with pytest.raises(InputError):
        store.ensure(bad)


def test_turns_are_capped_per_session(tmp_path):
    store = SessionStore(tmp_path / "s.sqlite3", max_turns=3)
    a, b = store.new_session(), store.new_session()
    for i in range(5):
        store.append_turn(a, f"q{i}", answer(f"q{i}"), {"i": i})
    store.append_turn(b, "other", answer("other"), {})
    assert [t.question for t in store.turns(a)] == ["q2", "q3", "q4"]
    assert store.last_context(a) == {"i": 4} and len(store.turns(b)) == 1


def test_concurrent_writers(store):
    sessions = [store.new_session() for _ in range(4)]
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for i in range(10):
                sid = sessions[(worker + i) % len(sessions)]
                store.append_turn(sid, f"w{worker}-{i}", answer(f"w{worker}-{i}"), {"worker": worker, "i": i})
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(len(store.turns(s)) for s in sessions) == 80


def test_data_survives_reopening_and_uses_wal(tmp_path):
    path = tmp_path / "nested" / "sessions.sqlite3"
    sid = SessionStore(path).ensure("cli")
    SessionStore(path).append_turn(sid, "q", answer("q"), {"etf": "560500"})
    assert SessionStore(path).last_context("cli") == {"etf": "560500"}
    import sqlite3

    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_from_settings(tmp_path):
    store = SessionStore.from_settings(Settings(store=tmp_path))
    assert store.path == tmp_path / "sessions.sqlite3"
