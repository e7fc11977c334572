"""`POST /v1/chat/completions`, OpenAI-compatible, so portals already on the `openai` SDK plug in unchanged.

The last user message is the question; earlier user messages give follow-up context even without a stored
session (`Engine.ask_stream(history=...)`). The answer object's evidence travels as extra top-level fields:
on the completion, or on the final chunk of a stream. The stream's first piece is computed before the
response starts, so an unusable question still gets a proper 4xx instead of a broken stream.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from assistant.answer.schema import Answer
from assistant.api.errors import ApiError, documented, error_json, from_product_error
from assistant.api.models import SSE_DESCRIPTION, ChatCompletion, ChatMessage, ChatRequest
from assistant.api.ratelimit import LimitedClient
from assistant.api.routes import AUTH_ERRORS, MODEL_NAME, note_question, pool_of, run_to_answer, scoped
from assistant.errors import MarketAssistantError

router = APIRouter()
error_log = logging.getLogger("assistant.api.error")
EXTRAS = {"citations", "facts", "data", "warnings", "answerer", "fallback_reason", "language"}
_END = object()


def _text(message: ChatMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    return "".join(p.text or "" for p in message.content or [] if p.type == "text")


def split_messages(messages: list[ChatMessage]) -> tuple[str, list[str]]:
    """(question, earlier user questions). The conversation must end with a user message."""
    if messages[-1].role != "user":
        raise ApiError(422, "last_message_not_user", "The last message must be the user's question.")
    question = _text(messages[-1]).strip()
    if not question:
        raise ApiError(422, "empty_question", "The last user message has no text.")
    history = [_text(m) for m in messages[:-1] if m.role == "user"]
    return question, [h for h in history if h.strip()]


def extras(answer: Answer) -> dict[str, Any]:
    return answer.model_dump(include=EXTRAS, mode="json")


@router.post(
    "/v1/chat/completions",
    tags=["chat"],
    response_model=None,
    responses={
        200: {
            "model": ChatCompletion,
            "description": "A completion (JSON), or with `stream: true` server-sent events.",
            "content": {"text/event-stream": {"schema": {"type": "string", "description": SSE_DESCRIPTION}}},
        },
        **documented(400, 404, 413, 422, *AUTH_ERRORS, 502),
    },
)
async def chat_completions(body: ChatRequest, request: Request, client: LimitedClient) -> Response:
    if body.model != MODEL_NAME:
        raise ApiError(
            404, "model_not_found", f"Unknown model {body.model!r}; GET /v1/models lists {MODEL_NAME!r}."
        )
    engine = pool_of(request).get(body.snapshot)
    question, history = split_messages(body.messages)
    note_question(request, question)
    sid = scoped(client, body.session_id)
    created, cid = int(time.time()), f"chatcmpl-{uuid.uuid4().hex}"
    if not body.stream:
        answer = await run_in_threadpool(run_to_answer, engine, question, sid, history)
        completion = {
            "id": cid,
            "object": "chat.completion",
            "created": created,
            "model": body.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": answer.answer},
                    "finish_reason": "stop",
                }
            ],
            **extras(answer),
        }
        return Response(json.dumps(completion, ensure_ascii=False), media_type="application/json")

    pieces = engine.ask_stream(question, sid, history)
    first = await run_in_threadpool(_next, pieces)  # errors before the first byte become a proper status
    chunk = _Chunks(cid, created, body.model)
    return StreamingResponse(
        _events(pieces, first, chunk, request),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _next(pieces: Iterator[str | Answer]) -> Any:
    try:
        return next(pieces, _END)
    except MarketAssistantError as err:
        raise from_product_error(err) from err


class _Chunks:
    def __init__(self, cid: str, created: int, model: str) -> None:
        self.base = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model}
        self.first = True

    def text(self, piece: str) -> str:
        delta = {"role": "assistant", "content": piece} if self.first else {"content": piece}
        self.first = False
        return _sse({**self.base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})

    def final(self, answer: Answer) -> str:
        return _sse(
            {**self.base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], **extras(answer)}
        )


def _sse(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


async def _events(
    pieces: Iterator[str | Answer], item: Any, chunk: _Chunks, request: Request
) -> AsyncIterator[str]:
    try:
        while item is not _END:
            if isinstance(item, Answer):
                yield chunk.final(item)
            else:
                yield chunk.text(item)
            item = await run_in_threadpool(_next, pieces)
    except Exception as exc:  # noqa: BLE001 - headers are sent: the error travels as an event
        status = exc.status if isinstance(exc, ApiError) else 500
        code = exc.code if isinstance(exc, ApiError) else "internal_error"
        rid = getattr(request.state, "request_id", None)
        if status == 500:
            error_log.error(
                json.dumps(
                    {
                        "request_id": rid,
                        "route": "/v1/chat/completions",
                        "error": f"{type(exc).__name__}: {exc}",
                        "traceback": traceback.format_exc(),
                    },
                    ensure_ascii=False,
                )
            )
        yield _sse(
            error_json(
                status,
                code,
                str(exc)
                if status != 500
                else "Unexpected error while streaming; quote this request id when reporting it.",
                rid,
            )
        )
    yield "data: [DONE]\n\n"
