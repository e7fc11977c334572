"""Sentence streaming for both LLM modes: release each sentence of a draft once it passes the check.

One home for the streaming rules (writer.py and agent.py use them):
- `release_checked` turns a draft arriving in text chunks into released sentences: a complete sentence is
  released when it and every sentence before it pass the check and the text so far is in the answer's
  language; the first failing sentence blocks the rest (they wait for `publish`, which repairs or replaces).
- `SentenceStreaming` gives an answerer with `_steps` (released sentences, then `(answer, context)`) the two
  seams the engine uses: `answer(..., on_sentence=...)` (CLI) and `answer_stream` (API, display text).
A released sentence is never taken back: the published text starts with it, and a fallback after release
publishes the offline answer below it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any

from assistant.answer.check import SentenceChecker
from assistant.answer.evidence_pack import Numbering, display_text
from assistant.answer.llm import failure_code, model_text
from assistant.answer.publish import Unpublishable, check_parts, strip_unknown
from assistant.answer.schema import Answer
from assistant.answer.sentences import sentence_parts

_LIST_MARKER = re.compile(r"\s*(?:[-*+]\s*)?\d{1,2}\.\s*")
Step = str | tuple[Answer, dict[str, Any]]
"""What `_steps` yields: a released sentence (placeholders), and last the answer and the turn's context."""


def release_checked(
    chunks: Iterable[str],
    checker: SentenceChecker,
    numbering: Numbering,
    record: dict[str, Any],
    released: list[str],
    footer_ids: frozenset[str] = frozenset(),
    *,
    complete: bool = False,
    started: float | None = None,
) -> Generator[str, None, str]:
    """The draft (its chunks joined, model text), releasing checked sentences as they complete: each is
    yielded and appended to `released`. While chunks arrive the last sentence may be unfinished and waits;
    with `complete` (the chunks are a finished draft) it is checked too at the end. A failing chunk source
    raises `Unpublishable` with the model's failure code. `record["first_sentence_s"]`: time to the first
    released sentence, counted from `started` (a `time.perf_counter()` value; default: now), as is
    `model_seconds` (the draft's time); `released_while_streaming` is recorded too."""
    started = time.perf_counter() if started is None else started
    text, blocked, before = "", False, len(released)

    def release(final: bool) -> Iterator[str]:
        nonlocal blocked
        so_far = strip_unknown(numbering.to_placeholders(model_text(text))[0], checker)
        parts = sentence_parts(so_far)
        if not final:
            parts = parts[:-1]  # the last may be unfinished
        if len(parts) <= len(released) - before:
            return
        verdicts = check_parts(checker, parts, footer_ids)
        while len(released) - before < len(parts) and not blocked:
            n = len(released) - before
            if _LIST_MARKER.fullmatch(parts[n][0]):
                return  # "1." joins the sentence after it once that arrives
            prefix = "".join(raw for raw, _ in parts[: n + 1])
            if not verdicts[n].ok or checker.language_problems(prefix):
                blocked = True
                return
            record.setdefault("first_sentence_s", round(time.perf_counter() - started, 3))
            released.append(parts[n][0])
            yield parts[n][0]

    try:
        for chunk in chunks:
            text += chunk
            if not blocked:
                yield from release(False)
    except Exception as exc:
        raise Unpublishable(failure_code(exc), f"{type(exc).__name__}: {exc}") from exc
    if complete and not blocked:
        yield from release(True)
    record["model_seconds"] = round(time.perf_counter() - started, 3)
    record["released_while_streaming"] = len(released) - before
    return model_text(text)


class SentenceStreaming:
    """The engine's two streaming seams over `_steps` (released sentences, then `(answer, context)`)."""

    streams = True  # `answer(..., on_sentence=...)` releases verified sentences while the model writes

    def _steps(self, question: str, context: dict[str, Any] | None) -> Iterator[Step]:
        raise NotImplementedError

    def answer(
        self,
        question: str,
        context: dict[str, Any] | None = None,
        on_sentence: Callable[[str], None] | None = None,
    ) -> tuple[Answer, dict[str, Any]]:
        """The answer and the turn's context. `on_sentence` receives each sentence of the draft (placeholders)
        as soon as it is complete and has passed the check, in order (streaming); the returned answer's text
        starts with every sentence released (then repaired or replaced ones, or the offline answer)."""
        result: tuple[Answer, dict[str, Any]] | None = None
        for item in self._steps(question, context):
            if isinstance(item, str):
                if on_sentence is not None:
                    on_sentence(item)
            else:
                result = item
        assert result is not None
        return result

    def answer_stream(self, question: str, context: dict[str, Any] | None = None) -> Iterator[Step]:
        """`Engine.ask_stream`'s seam: verified sentences as display text (markers numbered as the final
        answer numbers them), then the rest of the answer's text, then `(answer, context)`. The pieces join
        to exactly `answer.answer`."""
        released: list[str] = []
        shown = ""
        for item in self._steps(question, context):
            if isinstance(item, str):
                released.append(item)
                text = display_text("".join(released))
                if text.startswith(shown) and len(text) > len(shown):
                    yield text[len(shown) :]
                    shown = text
                continue
            answer, ctx = item
            if not answer.answer.startswith(shown):  # _steps keeps released sentences above: not reached
                raise RuntimeError("the published answer does not start with the streamed sentences")
            yield answer.answer[len(shown) :]
            yield answer, ctx


__all__ = ["SentenceStreaming", "Step", "release_checked"]
