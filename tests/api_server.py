"""Start real `market-assistant serve` processes on free loopback ports for the API tests."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.openai_stub import Reply, StubModel
from tests.openai_stub import serve as serve_stub

EXE = Path(sys.executable).with_name("market-assistant")
ALICE, BOB, TIGHT = "alice-key-0123456789", "bob-key-9876543210", "tight-key-5555555555"
KEYS = [{"name": "alice", "key": ALICE}, BOB, {"name": "tight", "key": TIGHT, "rate_per_minute": 3}]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def log_lines(self) -> list[dict[str, Any]]:
        """The JSON lines of the server's stderr (access and error log)."""
        out = []
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    out.append(json.loads(line))
        return out

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start(tmp: Path, env: dict[str, str], *, workers: int = 1, timeout_s: float = 240) -> Server:
    port = free_port()
    log = tmp / f"serve-{port}.log"
    full = {**os.environ, "MARKET_ASSISTANT_API_KEYS": json.dumps(KEYS), "PYTHONIOENCODING": "utf-8", **env}
    proc = subprocess.Popen(
        [str(EXE), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=full,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    server = Server(f"http://127.0.0.1:{port}", proc, log)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{server.url}/readyz", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            server.stop()
            pytest.fail(f"serve did not become ready (exit {proc.poll()}):\n{log.read_text()[-3000:]}")
        time.sleep(0.5)


@contextlib.contextmanager
def llm_api_server(tmp: Path, reply: Reply, mode: str) -> Iterator[tuple[StubModel, Server]]:
    """A real `serve` whose model is the scripted stub (`tests/openai_stub.py`), in LLM mode `mode`."""
    with serve_stub(reply) as (url, stub):
        env = {
            "MARKET_ASSISTANT_LLM_MODEL": "stub",
            "MARKET_ASSISTANT_LLM_BASE_URL": url,
            "MARKET_ASSISTANT_LLM_MODE": mode,
            "NO_PROXY": "127.0.0.1",
        }
        srv = start(tmp, env)
        try:
            yield stub, srv
        finally:
            srv.stop()


def chat_stream(
    server: Server, question: str, on_piece: Callable[[list[str]], None] | None = None
) -> tuple[list[str], dict[str, Any]]:
    """(content pieces, final chunk) of one streamed chat completion; `on_piece` sees the pieces so far."""
    pieces: list[str] = []
    final: dict[str, Any] = {}
    body = {"model": "market-assistant", "stream": True, "messages": [{"role": "user", "content": question}]}
    headers = {"Authorization": f"Bearer {ALICE}"}
    with httpx.stream(
        "POST", f"{server.url}/v1/chat/completions", json=body, headers=headers, timeout=120
    ) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            if not line.startswith("data: {"):
                continue
            chunk = json.loads(line[6:])
            if content := chunk["choices"][0]["delta"].get("content"):
                pieces.append(content)
                if on_piece:
                    on_piece(pieces)
            if chunk["choices"][0]["finish_reason"] == "stop":
                final = chunk
    return pieces, final
