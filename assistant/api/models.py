"""Request and response bodies. Requests are strict (a wrong type is a 422, never coerced: `"stream": 0` is
not `false`); `/v1/answers` also forbids unknown fields, while chat tolerates the OpenAI parameters it does
not use, as OpenAI-compatible servers do. Snapshot names and session ids are short safe tokens, so neither
can ever become a path.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.answer.schema import Answer, Citation, DataInfo, Fact
from assistant.engine import MAX_QUESTION_CHARS

SESSION_PATTERN = r"^[A-Za-z0-9_.-]{1,100}$"
SessionId = Annotated[
    str,
    Field(pattern=SESSION_PATTERN, description="Client-chosen conversation id, scoped to the calling key."),
]
SnapshotName = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$",
        description="Name of a snapshot the server was configured with (GET /v1/snapshots).",
    ),
]
Question = Annotated[str, Field(min_length=1, max_length=MAX_QUESTION_CHARS)]


class AnswerRequest(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    question: Question
    session_id: SessionId | None = None
    snapshot: SnapshotName | None = None


class ContentPart(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: Annotated[str, Field(max_length=20_000)] | list[ContentPart] | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")
    model: Annotated[str, Field(max_length=200)]
    messages: Annotated[list[ChatMessage], Field(min_length=1, max_length=200)]
    stream: bool = False
    session_id: SessionId | None = Field(
        default=None, description="Extension: store the turn in this session."
    )
    snapshot: SnapshotName | None = Field(default=None, description="Extension: which configured snapshot.")
    n: Annotated[int, Field(ge=1, le=1)] | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    user: str | None = None
    stream_options: dict[str, Any] | None = None


class AnswerExtras(BaseModel):
    """The answer object's evidence, carried beside the OpenAI fields (final chunk when streaming)."""

    citations: list[Citation]
    facts: list[Fact]
    data: DataInfo
    warnings: list[str]
    answerer: str
    fallback_reason: str | None = None
    language: str


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(AnswerExtras):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]


class Model(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Model]


class SnapshotView(BaseModel):
    name: str
    origin: str
    trade_date: str
    as_of: str


class SnapshotList(BaseModel):
    data: list[SnapshotView]


class TurnView(BaseModel):
    question: str
    answer: Answer
    created_at: str


class SessionView(BaseModel):
    id: str
    turns: list[TurnView]


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    checks: dict[str, bool]


SSE_DESCRIPTION = """With `"stream": true`: server-sent events. Each event is `data: <chat.completion.chunk JSON>`;
the text arrives in several chunks as it is produced (`choices[0].delta.content`); the final chunk has
`finish_reason: "stop"` and carries `citations`, `facts`, `data`, `warnings`, `answerer`, `fallback_reason`
and `language` as extra top-level fields; then `data: [DONE]`. An error after the stream began arrives as
`data: {"error": {...}}` before `[DONE]`."""
