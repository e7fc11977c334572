"""Conversation memory in Redis, for API replicas behind a load balancer: a conversation begun on one
replica continues on another. Same interface and rules as `conversation.SessionStore` (safe ids, unknown ids
created, the `max_turns` most recent turns kept); each session expires `ttl_s` after its last write.

Layout: `<prefix>s:<id>` holds the creation time, `<prefix>t:<id>` a list of JSON turns (oldest first).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import redis

from assistant.answer.schema import Answer
from assistant.conversation import SessionStore, Turn, _json_default


class RedisSessionStore:
    def __init__(
        self,
        client: redis.Redis,
        *,
        max_turns: int = 50,
        ttl_s: int = 30 * 24 * 3600,
        prefix: str = "market-assistant:session:",
    ) -> None:
        self.r, self.max_turns, self.ttl_s, self.prefix = client, max_turns, ttl_s, prefix

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> RedisSessionStore:
        return cls(redis.Redis.from_url(url, decode_responses=True, socket_timeout=5), **kwargs)

    def _keys(self, session_id: str) -> tuple[str, str]:
        return f"{self.prefix}s:{session_id}", f"{self.prefix}t:{session_id}"

    @staticmethod
    def _now() -> str:
        return dt.datetime.now(dt.UTC).isoformat()

    def new_session(self) -> str:
        session_id = uuid.uuid4().hex
        return self.ensure(session_id)

    def ensure(self, session_id: str | None) -> str:
        if session_id is None:
            return self.new_session()
        SessionStore._valid(session_id)
        meta, _ = self._keys(session_id)
        self.r.set(meta, self._now(), nx=True, ex=self.ttl_s)
        return session_id

    def exists(self, session_id: str) -> bool:
        return bool(self.r.exists(self._keys(session_id)[0]))

    def append_turn(self, session_id: str, question: str, answer: Answer, context: dict[str, Any]) -> None:
        SessionStore._valid(session_id)
        meta, turns = self._keys(session_id)
        now = self._now()
        record = json.dumps(
            {
                "question": question,
                "answer_json": answer.model_dump_json(),
                "context": context,
                "created_at": now,
            },
            ensure_ascii=False,
            default=_json_default,
        )
        with self.r.pipeline(transaction=True) as pipe:
            pipe.set(meta, now, nx=True)
            pipe.rpush(turns, record)
            pipe.ltrim(turns, -self.max_turns, -1)
            pipe.expire(meta, self.ttl_s)
            pipe.expire(turns, self.ttl_s)
            pipe.execute()

    def turns(self, session_id: str) -> list[Turn]:
        rows = self.r.lrange(self._keys(session_id)[1], 0, -1)
        return [_turn(row) for row in rows]

    def last_context(self, session_id: str) -> dict[str, Any] | None:
        row = self.r.lindex(self._keys(session_id)[1], -1)
        return _turn(row).context if row else None

    def delete(self, session_id: str) -> bool:
        return bool(self.r.delete(*self._keys(session_id)))

    def ping(self) -> bool:
        return bool(self.r.ping())


def _turn(row: str | bytes) -> Turn:
    d = json.loads(row)
    return Turn(d["question"], d["answer_json"], d["context"], dt.datetime.fromisoformat(d["created_at"]))
