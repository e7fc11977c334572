"""Conversation memory: the turns of each session, so follow-ups ("and Western Mining?") can be resolved.

Stored in SQLite (stdlib, one file under `settings.store`) because the CLI, `chat` and the HTTP API all need
the same sessions and none of them should need a server. Each call opens its own connection, the
database runs in WAL mode and writes take the write lock up front (`BEGIN IMMEDIATE`), so concurrent
request threads -- or several server processes -- append safely without sharing a connection.

Unknown session ids are created, not rejected (`ensure`): a CLI user picks `--session work` and a portal
may use its own conversation id. Ids are restricted to a safe alphabet; a client that wants
unguessable ids uses `new_session()` (uuid4). The HTTP layer is expected to scope client-chosen ids per
API key (e.g. prefix a key hash) so that two clients cannot read each other's context.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.answer.schema import Answer
from assistant.config import Settings
from assistant.errors import InputError

_SESSION_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    answer_json TEXT NOT NULL,
    context_json TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_by_session ON turns(session_id, id);
"""


@dataclass(frozen=True)
class Turn:
    """One question and its answer; `context` is what the turn resolved (entities, date, intent)."""

    question: str
    answer_json: str
    context: dict[str, Any]
    created_at: dt.datetime

    def answer(self) -> Answer:
        return Answer.model_validate_json(self.answer_json)


def _json_default(value: object) -> str:
    """Dates and paths in a context are stored as ISO strings / plain strings; they come back as strings."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in a conversation context")


class SessionStore:
    """Sessions and their turns in one SQLite file; keeps the `max_turns` most recent turns per session."""

    def __init__(self, path: Path, *, max_turns: int = 50) -> None:
        if max_turns < 1:
            raise ValueError("max_turns must be at least 1")
        self.path = Path(path)
        self.max_turns = max_turns
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> SessionStore:
        return cls(settings.store / "sessions.sqlite3", **kwargs)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA busy_timeout=30000")
            yield db
        except (
            sqlite3.DatabaseError
        ) as exc:  # a damaged file: say so and how to start afresh, not a traceback
            from assistant.retrieval.store_health import StoreDamagedError, looks_like_damage

            if looks_like_damage(exc):
                raise StoreDamagedError(
                    str(self.path),
                    f"the session database cannot be read ({exc}); it holds conversation history only",
                    repair=f"rm {self.path}",
                ) from exc
            raise
        finally:
            db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    @staticmethod
    def _now() -> str:
        return dt.datetime.now(dt.UTC).isoformat()

    @staticmethod
    def _valid(session_id: str) -> str:
        if not isinstance(session_id, str) or not _SESSION_ID.fullmatch(session_id):
            raise InputError("A session id is 1-128 characters of letters, digits, '_', '-', '.' or ':'.")
        return session_id

    def new_session(self) -> str:
        """A fresh session with an unguessable id (uuid4 hex)."""
        session_id = uuid.uuid4().hex
        with self._write() as db:
            db.execute("INSERT INTO sessions(id, created_at) VALUES (?, ?)", (session_id, self._now()))
        return session_id

    def ensure(self, session_id: str | None) -> str:
        """Return `session_id`, creating the session if unknown; None starts a new one."""
        if session_id is None:
            return self.new_session()
        self._valid(session_id)
        with self._write() as db:
            db.execute(
                "INSERT OR IGNORE INTO sessions(id, created_at) VALUES (?, ?)", (session_id, self._now())
            )
        return session_id

    def exists(self, session_id: str) -> bool:
        with self._connect() as db:
            return db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is not None

    def append_turn(self, session_id: str, question: str, answer: Answer, context: dict[str, Any]) -> None:
        """Store a turn (creating the session if needed) and drop the oldest turns beyond `max_turns`."""
        self._valid(session_id)
        context_json = json.dumps(context, ensure_ascii=False, default=_json_default)
        now = self._now()
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO sessions(id, created_at) VALUES (?, ?)", (session_id, now))
            db.execute(
                "INSERT INTO turns(session_id, question, answer_json, context_json, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (session_id, question, answer.model_dump_json(), context_json, now),
            )
            db.execute(
                "DELETE FROM turns WHERE session_id = ? AND id NOT IN "
                "(SELECT id FROM turns WHERE session_id = ? ORDER BY id DESC LIMIT ?)",
                (session_id, session_id, self.max_turns),
            )

    def turns(self, session_id: str) -> list[Turn]:
        """The session's stored turns, oldest first (empty for an unknown session)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT question, answer_json, context_json, created_at FROM turns "
                "WHERE session_id = ? ORDER BY id",
                (session_id,),
            ).fetchall()
        return [Turn(q, a, json.loads(c), dt.datetime.fromisoformat(t)) for q, a, c, t in rows]

    def delete(self, session_id: str) -> bool:
        """Remove a session and its turns; False when there was no such session."""
        with self._write() as db:
            db.execute("DELETE FROM turns WHERE session_id = ?", (session_id,))
            return db.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount > 0

    def last_context(self, session_id: str) -> dict[str, Any] | None:
        """The context of the latest turn, or None when the session has none."""
        with self._connect() as db:
            row = db.execute(
                "SELECT context_json FROM turns WHERE session_id = ? ORDER BY id DESC LIMIT 1", (session_id,)
            ).fetchone()
        return json.loads(row[0]) if row else None
