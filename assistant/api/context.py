"""Per-request plumbing as plain ASGI middleware (it must also see streaming bodies and crashes):

- a request id (the client's `X-Request-Id` when it is short and safe, else a new one) in the response
  header and in every log line of the request;
- the body limit: 413 from `Content-Length`, or as soon as a streamed body passes the limit;
- one JSON access-log line per request: id, key name, method, route, status, latency -- never the key, and
  the question only when `api_log_questions` is set;
- the last resort for bugs: the traceback is logged under the request id and the client gets a JSON 500.
"""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.errors import error_json

access_log = logging.getLogger("assistant.api.access")
error_log = logging.getLogger("assistant.api.error")
_SAFE_ID = re.compile(r"[A-Za-z0-9_.-]{8,64}")


class _BodyTooLarge(Exception):
    pass


async def _send_json(send: Send, status: int, body: dict[str, Any], request_id: str) -> None:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                (b"x-request-id", request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


class RequestContext:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app, self.max_body = app, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SAFE_ID.fullmatch(given) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = {"code": 0}

        received = {"n": 0, "over": False}

        async def send_with_id(message: Message) -> None:
            if received["over"]:  # the app turned the aborted body read into its own error: answer 413
                if message["type"] == "http.response.start":
                    status["code"] = 413
                    await _send_json(send, 413, _too_large(self.max_body, request_id), request_id)
                return
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        async def receive_limited() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                received["n"] += len(message.get("body", b""))
                if received["n"] > self.max_body:
                    received["over"] = True
                    raise _BodyTooLarge
            return message

        try:
            length = headers.get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > self.max_body):
                raise _BodyTooLarge
            await self.app(scope, receive_limited, send_with_id)
        except _BodyTooLarge:
            if not status["code"]:
                status["code"] = 413
                await _send_json(send, 413, _too_large(self.max_body, request_id), request_id)
        except Exception as exc:  # noqa: BLE001 - the last resort: log it all, tell the client the id
            error_log.error(
                json.dumps(
                    {
                        "request_id": request_id,
                        "route": _route(scope),
                        "error": f"{type(exc).__name__}: {exc}",
                        "traceback": traceback.format_exc(),
                    },
                    ensure_ascii=False,
                )
            )
            if not status["code"]:
                status["code"] = 500
                await _send_json(
                    send,
                    500,
                    error_json(
                        500,
                        "internal_error",
                        "Unexpected error; quote this request id when reporting it.",
                        request_id,
                    ),
                    request_id,
                )
        finally:
            record = {
                "ts": time.time(),
                "request_id": request_id,
                "key": state.get("client_name"),
                "method": scope.get("method"),
                "route": _route(scope),
                "status": status["code"],
                "latency_ms": round((time.perf_counter() - started) * 1000, 1),
            }
            if "question" in state:
                record["question"] = state["question"]
            access_log.info(json.dumps(record, ensure_ascii=False))


def _too_large(limit: int, request_id: str) -> dict[str, Any]:
    return error_json(413, "body_too_large", f"The request body is over {limit} bytes.", request_id)


def _route(scope: Scope) -> str:
    """The route template (`/v1/sessions/{session_id}`), not the raw path, when the router matched one."""
    route = scope.get("route")
    return str(getattr(route, "path", None) or scope.get("path", ""))
