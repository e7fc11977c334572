"""The answer object promised in shared/specs/interfaces.md; CLI `--json` and the HTTP API return it as is."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Citation(BaseModel):
    n: int = Field(description="Marker number; `[n]` in the answer text resolves to this entry.")
    id: str = Field(
        description="Citation id: news id, derived AKShare news id, document path stem, or data frame."
    )
    kind: Literal["news", "document", "data"]
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published_at: str | None = None
    quote: str | None = Field(default=None, description="The passage relied on.")


class Fact(BaseModel):
    name: str
    subject: str
    value: float
    unit: str
    as_of: str
    source: str


class DataInfo(BaseModel):
    origin: str
    as_of: str
    trade_date: str


class Answer(BaseModel):
    question: str
    answer: str
    language: Literal["zh", "en"]
    citations: list[Citation] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    data: DataInfo
    warnings: list[str] = Field(
        default_factory=list,
        description="Every caveat about the data behind this answer, in the answer's language; each also appears in `answer`.",
    )
    answerer: Literal["offline", "llm", "llm_repaired", "offline_fallback"] = Field(
        default="offline",
        description="Who wrote the text; `offline_fallback` means an LLM was configured but not published.",
    )
    fallback_reason: str | None = Field(
        default=None,
        description="Short code when `answerer` is `offline_fallback` (timeout, grounding_failed, ...).",
    )
