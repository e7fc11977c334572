"""A scripted OpenAI-compatible Chat Completions server on loopback: the network edge of the LLM path.

Everything else is real (the `openai` client inside `ChatOpenAI`, the writer, the check, the engine, the API):
only the model is a script. A streamed reply is sent as server-sent events in small chunks, and a reply may
contain `HOLD`: the server stops there until the test calls `release()`, so a test can prove that text reached
the client while the model was still writing. At `BREAK` the stream ends with an error event (a model crash
mid-answer), which the `openai` client raises.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOLD, BREAK = "\x00HOLD\x00", "\x00BREAK\x00"


@dataclass(frozen=True)
class ToolCalls:
    """A reply that calls tools (agent mode): `(name, arguments)` pairs, sent as Chat Completions tool_calls."""

    calls: tuple[tuple[str, dict[str, Any]], ...]

    def message(self) -> dict[str, Any]:
        return {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": f"call_{i}", "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}
                for i, (n, a) in enumerate(self.calls)
            ],
        }


Reply = Callable[[list[dict[str, Any]]], "str | ToolCalls"]
"""The request's messages -> the reply text (with HOLD/BREAK marks), or tool calls."""


class StubModel:
    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.requests: list[dict[str, Any]] = []
        self.gate = threading.Event()

    def release(self) -> None:
        self.gate.set()


def _chunk(content: str | None, finish: str | None = None) -> bytes:
    delta = {"content": content} if content is not None else {}
    body = {
        "id": "stub",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "stub",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n".encode()


@contextmanager
def serve(reply: Reply) -> Iterator[tuple[str, StubModel]]:
    """(base URL, stub) of a stub model server, for the duration of the block."""
    stub = StubModel(reply)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            stub.requests.append(body)
            text = stub.reply(body["messages"])
            if isinstance(text, ToolCalls):
                if body.get("stream"):
                    raise NotImplementedError("streamed tool calls are not scripted")
                message, finish = text.message(), "tool_calls"
            elif not body.get("stream"):
                message = {"role": "assistant", "content": text.replace(HOLD, "").split(BREAK)[0]}
                finish = "stop"
            if not body.get("stream"):
                payload = json.dumps(
                    {
                        "id": "stub",
                        "object": "chat.completion",
                        "created": 0,
                        "model": "stub",
                        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    },
                    ensure_ascii=False,
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for i, part in enumerate(text.split(HOLD)):
                if i:
                    stub.gate.wait(60)
                broken = BREAK in part
                part = part.split(BREAK)[0]
                for k in range(0, len(part), 7):  # a few characters per chunk, like tokens
                    self.wfile.write(_chunk(part[k : k + 7]))
                    self.wfile.flush()
                if broken:
                    self.wfile.write(b'data: {"error": {"message": "the model crashed"}}\n\n')
                    return
            self.wfile.write(_chunk(None, "stop") + b"data: [DONE]\n\n")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", stub
    finally:
        stub.release()
        server.shutdown()
        server.server_close()
