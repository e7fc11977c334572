"""Scale-out: a real `redis-server`, a real `chroma run` and two `serve` replicas on different ports, each with
its own local store folder. A conversation begun on one replica continues on the other, and one key's rate
limit is one budget across both. Missing servers fail the test (CI installs them), never skip it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api_server import ALICE, BOB, TIGHT, Server, free_port, start

pytestmark = pytest.mark.slow
CHROMA = Path(sys.executable).with_name("chroma")


def _wait(url: str, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{what} did not start (exit {proc.poll()})")
            time.sleep(0.2)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server; .ci/run does it)")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("redis-server did not start")
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            str(CHROMA),
            "run",
            "--path",
            str(tmp_path_factory.mktemp("chroma")),
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    _wait(f"{url}/api/v2/heartbeat", proc, "chroma run")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def replicas(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str, chroma_url: str
) -> Iterator[list[Server]]:
    servers: list[Server] = []
    try:
        for name in (
            "a",
            "b",
        ):  # one after the other: the first ingests into Chroma, the second finds it there
            tmp = tmp_path_factory.mktemp(f"replica-{name}")
            servers.append(
                start(
                    tmp,
                    {
                        "MARKET_ASSISTANT_REDIS_URL": redis_url,
                        "MARKET_ASSISTANT_CHROMA_URL": chroma_url,
                        "MARKET_ASSISTANT_STORE": str(tmp / "store"),
                    },
                )
            )
        yield servers
    finally:
        for s in servers:
            s.stop()


def _post(server: Server, key: str, body: dict) -> httpx.Response:
    return httpx.post(
        f"{server.url}/v1/answers", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=120
    )


def _get(server: Server, key: str, path: str) -> httpx.Response:
    return httpx.get(f"{server.url}{path}", headers={"Authorization": f"Bearer {key}"}, timeout=60)


def test_both_replicas_report_redis_and_chroma_ready(replicas: list[Server]) -> None:
    for server in replicas:
        checks = httpx.get(f"{server.url}/readyz").json()["checks"]
        assert checks["redis"] and checks["chroma"] and checks["store"]


def test_a_conversation_continues_on_the_other_replica(replicas: list[Server]) -> None:
    a, b = replicas
    first = _post(a, ALICE, {"question": "560500昨天为什么下跌", "session_id": "travels"})
    assert first.status_code == 200, first.text
    follow = _post(b, ALICE, {"question": "and what about Western Mining?", "session_id": "travels"})
    assert follow.status_code == 200 and "2026-01-08" in follow.json()["answer"]  # "yesterday" came from A
    turns = _get(b, ALICE, "/v1/sessions/travels").json()["turns"]
    assert [t["question"] for t in turns] == ["560500昨天为什么下跌", "and what about Western Mining?"]
    assert _get(a, BOB, "/v1/sessions/travels").status_code == 404  # still scoped per key
    assert (
        httpx.delete(f"{a.url}/v1/sessions/travels", headers={"Authorization": f"Bearer {ALICE}"}).status_code
        == 204
    )
    assert _get(b, ALICE, "/v1/sessions/travels").status_code == 404


def test_one_keys_rate_limit_is_shared(replicas: list[Server]) -> None:
    a, b = replicas
    codes = [_get(s, TIGHT, "/v1/models").status_code for s in (a, b, a, b)]
    assert codes == [200, 200, 200, 429]  # 3 per minute in total, not per replica
    assert _get(a, TIGHT, "/v1/models").status_code == 429
