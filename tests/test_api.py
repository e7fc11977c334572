"""The HTTP API over a real `market-assistant serve` (uvicorn) on a loopback port, with httpx and the official
`openai` SDK as clients. One server for the whole module."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from assistant.answer.schema import Answer
from assistant.config import bundled_sample_path
from tests.api_server import ALICE, BOB, TIGHT, Server, start

pytestmark = pytest.mark.slow
WHY = "560500今天为什么涨？"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("api")
    srv = start(tmp, {"MARKET_ASSISTANT_API_SNAPSHOTS": json.dumps({"sample": str(bundled_sample_path())})})
    yield srv
    srv.stop()


def auth(key: str = ALICE) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=120) as client:
        yield client


def sdk(server: Server, key: str = ALICE) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=key, max_retries=0, timeout=120)


# ---------------------------------------------------------------------------------------------- answers
def test_health_and_readiness_need_no_key(http: httpx.Client) -> None:
    assert http.get("/healthz").json() == {"status": "ok"}
    ready = http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert http.get("/openapi.json").json()["paths"]["/v1/chat/completions"]


def test_answers_returns_the_answer_object(http: httpx.Client) -> None:
    r = http.post("/v1/answers", json={"question": WHY}, headers=auth())
    assert r.status_code == 200, r.text
    body = r.json()
    answer = Answer.model_validate(body)
    assert set(body) == set(Answer.model_fields)
    assert answer.citations and answer.facts and answer.language == "zh"
    assert r.headers["x-request-id"]


def test_snapshot_names_not_paths(http: httpx.Client) -> None:
    ok = http.post("/v1/answers", json={"question": WHY, "snapshot": "sample"}, headers=auth())
    assert ok.status_code == 200
    names = [s["name"] for s in http.get("/v1/snapshots", headers=auth()).json()["data"]]
    assert names == ["default", "sample"]
    unknown = http.post("/v1/answers", json={"question": WHY, "snapshot": "other"}, headers=auth())
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_snapshot"
    for bad in ("../../etc", "/etc/passwd", "..", "sample/../sample", str(bundled_sample_path())):
        r = http.post("/v1/answers", json={"question": WHY, "snapshot": bad}, headers=auth())
        assert r.status_code == 422, (bad, r.text)


# ---------------------------------------------------------------------------------------------- auth and limits
def test_keys_are_required(http: httpx.Client) -> None:
    for headers in ({}, auth("wrong"), {"Authorization": "Basic abc"}, auth(ALICE + "x")):
        r = http.post("/v1/answers", json={"question": WHY}, headers=headers)
        assert r.status_code == 401 and r.json()["error"]["request_id"] == r.headers["x-request-id"]
        assert r.headers["www-authenticate"] == "Bearer"
    assert http.get("/v1/models").status_code == 401


def test_rate_limit_per_key(http: httpx.Client) -> None:
    codes = [http.get("/v1/models", headers=auth(TIGHT)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = http.get("/v1/models", headers=auth(TIGHT))
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60
    assert r.json()["error"]["code"] == "rate_limited"
    assert http.get("/v1/models", headers=auth(BOB)).status_code == 200  # other keys are unaffected


def test_body_limit(http: httpx.Client) -> None:
    big = {"question": "x" * 70_000}
    r = http.post("/v1/answers", json=big, headers=auth())
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit applies while reading
        yield b'{"question": "'
        for _ in range(100):
            yield b"y" * 1000
        yield b'"}'

    r = http.post("/v1/answers", content=chunks(), headers={**auth(), "Content-Type": "application/json"})
    assert r.status_code == 413


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"question": ', 400),
        (b"not json", 400),
        (b'{"question": 1}', 422),
        (b'{"question": ["a"]}', 422),
        (b'{"question": "q", "extra": 1}', 422),
        (b'{"question": "q", "session_id": 5}', 422),
        (b'{"question": ""}', 422),
        (b'{"question": "   "}', 422),
        (b"[]", 422),
    ],
)
def test_bad_bodies(http: httpx.Client, body: bytes, status: int) -> None:
    r = http.post("/v1/answers", content=body, headers={**auth(), "Content-Type": "application/json"})
    assert r.status_code == status, r.text
    assert r.json()["error"]["message"]


def test_chat_is_strict_too(http: httpx.Client) -> None:
    base = {"model": "market-assistant", "messages": [{"role": "user", "content": WHY}]}
    for bad in (
        {**base, "stream": 0},
        {**base, "messages": []},
        {**base, "messages": [{"role": "user"}]},
        {**base, "messages": [{"role": "assistant", "content": "hi"}]},
        {**base, "n": 2},
    ):
        r = http.post("/v1/chat/completions", json=bad, headers=auth())
        assert r.status_code == 422, (bad, r.text)
    r = http.post("/v1/chat/completions", json={**base, "model": "gpt-4"}, headers=auth())
    assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found"


# ---------------------------------------------------------------------------------------------- sessions
def test_sessions_are_scoped_per_key(http: httpx.Client) -> None:
    r = http.post("/v1/answers", json={"question": WHY, "session_id": "conv-1"}, headers=auth())
    assert r.status_code == 200 and r.headers["x-session-id"] == "conv-1"
    mine = http.get("/v1/sessions/conv-1", headers=auth()).json()
    assert [t["question"] for t in mine["turns"]] == [WHY]
    assert Answer.model_validate(mine["turns"][0]["answer"]).answer == r.json()["answer"]
    # bob uses the same id: he neither reads nor deletes alice's conversation, and does not continue it
    assert http.get("/v1/sessions/conv-1", headers=auth(BOB)).status_code == 404
    assert http.delete("/v1/sessions/conv-1", headers=auth(BOB)).status_code == 404
    http.post(
        "/v1/answers",
        json={"question": "What are the top holdings of 560500?", "session_id": "conv-1"},
        headers=auth(BOB),
    )
    assert len(http.get("/v1/sessions/conv-1", headers=auth()).json()["turns"]) == 1
    assert http.delete("/v1/sessions/conv-1", headers=auth()).status_code == 204
    assert http.get("/v1/sessions/conv-1", headers=auth()).status_code == 404
    assert http.get("/v1/sessions/never-seen", headers=auth()).status_code == 404
    assert http.get("/v1/sessions/bad id!", headers=auth()).status_code == 422


# ---------------------------------------------------------------------------------------------- openai SDK
def test_openai_sdk_completion_and_models(server: Server) -> None:
    client = sdk(server)
    assert [m.id for m in client.models.list()] == ["market-assistant"]
    done = client.chat.completions.create(
        model="market-assistant", messages=[{"role": "user", "content": WHY}]
    )
    assert done.choices[0].message.content and done.choices[0].finish_reason == "stop"
    extra = done.model_extra or {}
    assert extra["citations"] and extra["facts"] and extra["data"]["trade_date"] == "2026-01-09"
    assert extra["answerer"] == "offline" and isinstance(extra["warnings"], list)


def test_openai_sdk_streaming(server: Server) -> None:
    client = sdk(server)
    whole = client.chat.completions.create(
        model="market-assistant", messages=[{"role": "user", "content": WHY}]
    )
    pieces, final = [], None
    for chunk in client.chat.completions.create(
        model="market-assistant", stream=True, messages=[{"role": "user", "content": WHY}]
    ):
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
        if chunk.choices and chunk.choices[0].finish_reason == "stop":
            final = chunk
    assert len(pieces) > 1, "the text arrives in several chunks"
    assert "".join(pieces) == whole.choices[0].message.content
    assert final is not None
    citations = (final.model_extra or {})["citations"]
    assert citations == (whole.model_extra or {})["citations"] and any(c["quote"] for c in citations)


def test_openai_sdk_async_streaming(server: Server) -> None:
    async def run() -> tuple[list[str], dict]:
        client = openai.AsyncOpenAI(base_url=f"{server.url}/v1", api_key=ALICE, max_retries=0, timeout=120)
        stream = await client.chat.completions.create(
            model="market-assistant", stream=True, messages=[{"role": "user", "content": WHY}]
        )
        pieces, extras = [], {}
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                pieces.append(chunk.choices[0].delta.content)
            if getattr(chunk, "citations", None) is not None:
                extras = chunk.model_extra or {}
        await client.close()
        return pieces, extras

    pieces, extras = asyncio.run(run())
    assert len(pieces) > 1 and extras["citations"] and extras["facts"]


def test_openai_sdk_errors_surface(server: Server) -> None:
    with pytest.raises(openai.AuthenticationError):
        sdk(server, "nope").models.list()
    with pytest.raises(openai.NotFoundError):
        sdk(server).chat.completions.create(model="other", messages=[{"role": "user", "content": WHY}])


def test_messages_give_follow_up_context_without_a_session(server: Server, http: httpx.Client) -> None:
    """Earlier user turns in `messages` resolve a follow-up exactly as a stored session does."""
    client = sdk(server)
    follow = "and what about Western Mining?"
    alone = client.chat.completions.create(
        model="market-assistant", messages=[{"role": "user", "content": follow}]
    )
    first = "560500昨天为什么下跌"  # the follow-up inherits "yesterday" (2026-01-08)
    turns = [
        {"role": "user", "content": first},
        {"role": "assistant", "content": "..."},
        {"role": "user", "content": follow},
    ]
    with_history = client.chat.completions.create(model="market-assistant", messages=turns)
    http.post("/v1/answers", json={"question": first, "session_id": "history-check"}, headers=auth())
    in_session = http.post(
        "/v1/answers", json={"question": follow, "session_id": "history-check"}, headers=auth()
    )
    text = with_history.choices[0].message.content
    assert text == in_session.json()["answer"]
    assert "2026-01-08" in text and "2026-01-08" not in (alone.choices[0].message.content or "")


# ---------------------------------------------------------------------------------------------- access log
def test_access_log_is_json_without_secrets(server: Server, http: httpx.Client) -> None:
    http.post("/v1/answers", json={"question": WHY}, headers={**auth(), "X-Request-Id": "trace-abcdef12"})
    deadline = time.monotonic() + 10  # the line is written once the response has gone out
    while True:
        mine = [
            ln for ln in server.log_lines() if ln.get("request_id") == "trace-abcdef12" and "latency_ms" in ln
        ]
        if mine or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert (
        mine and mine[0]["key"] == "alice" and mine[0]["status"] == 200 and mine[0]["route"] == "/v1/answers"
    )
    text = Path(server.log).read_text(encoding="utf-8")
    assert ALICE not in text and BOB not in text and WHY not in text
