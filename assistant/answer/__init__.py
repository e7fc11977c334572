"""Answering: tools, the offline answerer, the LLM agent, grounding and citations.

`Answerer` is what the engine calls: the offline answerer (`offline.OfflineAnswerer`) and the LLM agent
(`agent.LLMAnswerer`) both implement it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from assistant.answer.schema import Answer

Context = dict[str, Any]  # what a conversation carries from one turn to the next (JSON-serialisable)


@runtime_checkable
class Answerer(Protocol):
    """Answers a question, given the previous turn's context; returns the answer and the context to keep."""

    def answer(self, question: str, context: Context | None = None) -> tuple[Answer, Context]: ...


class StreamingAnswerer(Protocol):
    """An answerer that can release verified sentences while it writes (`streams = True`, see streaming.py)."""

    streams: bool

    def answer(
        self,
        question: str,
        context: Context | None = None,
        on_sentence: Callable[[str], None] | None = None,
    ) -> tuple[Answer, Context]: ...


__all__ = ["Answer", "Answerer", "Context", "StreamingAnswerer"]
