"""CHROMA_URL: user:pass@ is sent as HTTP Basic auth (and redacted wherever shown); an unreachable server is one
clear line from `ingest` and `reindex`, not a 100-line traceback."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.retrieval.store import StoreUnavailableError, make_client, redact_url

BIN = Path(sys.executable).with_name("market-assistant")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_credentials_are_sent_as_basic_auth_and_redacted() -> None:
    seen: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            seen.append(self.headers.get("Authorization"))
            self.send_response(401)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://alice:s3cr%40t@127.0.0.1:{server.server_port}"
        with pytest.raises(StoreUnavailableError) as err:
            make_client(Settings(chroma_url=url))
    finally:
        server.shutdown()
    assert seen and seen[0] == "Basic " + base64.b64encode(b"alice:s3cr@t").decode()
    assert "s3cr" not in str(err.value) and "alice:***@127.0.0.1" in str(err.value)
    assert redact_url("http://h:8000") == "http://h:8000"


@pytest.mark.parametrize("command", ["ingest", "reindex"])
def test_unreachable_server_is_one_line(command: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MARKET_ASSISTANT_CHROMA_URL": f"http://bob:pw@127.0.0.1:{free_port()}",
        "MARKET_ASSISTANT_STORE": str(tmp_path / "s"),
        "MARKET_ASSISTANT_EMBEDDER": "hash:64",
    }
    r = subprocess.run([str(BIN), command], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot be used" in lines[0] and ":pw@" not in r.stderr, r.stderr
