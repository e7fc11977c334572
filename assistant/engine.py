"""The engine behind `ask`, `chat`, the HTTP API and the evaluation suite: market data, lexicon, store,
retrieval, toolbox, answerer and sessions, opened once per settings and reused.

The store (Chroma and the embedder) opens in `warm()`, which the engine runs before its first answer (a server
runs it at start-up): the snapshot is ingested then (idempotent: unchanged input is skipped before anything is
embedded) and the toolbox receives the open searcher. Nothing inside `answer/` calls back up into the engine.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, cast

from assistant.answer import Answerer, StreamingAnswerer
from assistant.answer.schema import Answer
from assistant.config import Settings
from assistant.errors import InputError, UpstreamError

log = logging.getLogger(__name__)
AnswererKind = Literal["offline", "llm", "auto"]
MAX_QUESTION_CHARS = 2000

_ENGINES: dict[tuple[str, str], Engine] = {}
_ENGINES_LOCK = threading.Lock()


class Engine:
    def __init__(
        self,
        settings: Settings,
        *,
        answerer: AnswererKind = "offline",
        chat_model: Any = None,
        progress: bool | None = None,
    ) -> None:
        from assistant.answer.offline import OfflineAnswerer
        from assistant.answer.tools import Toolbox
        from assistant.market.factory import open_market
        from assistant.market.resolve import Lexicon

        self.settings = settings
        self.md = open_market(settings)
        self.lexicon = Lexicon.from_market(self.md)
        self._progress = sys.stderr.isatty() if progress is None else progress
        self._store: Any = None
        self._store_lock = threading.Lock()
        self.toolbox = Toolbox(self.md, self.lexicon)
        self.sessions = _open_sessions(settings)
        self.offline = OfflineAnswerer(self.toolbox)
        self.answerer: Answerer = self.offline
        if answerer in ("llm", "auto"):
            model = chat_model
            if model is None:
                from assistant.answer.llm import make_chat_model

                try:
                    model = make_chat_model(settings)
                except InputError:
                    if answerer == "llm":
                        raise  # asked for the LLM explicitly: say what is missing
                    log.info("no LLM configured: answering offline")
            if model is not None:
                self.answerer = _llm_answerer(settings, model, self.toolbox, self.offline, self.lexicon)

    # ------------------------------------------------------------------------------------------ store
    def warm(self) -> Any:
        """Open the store, ingest the snapshot if it lacks it, and hand the hybrid searcher to the toolbox.
        Idempotent and thread-safe; returns the searcher."""
        with self._store_lock:
            if self._store is None:
                from assistant.retrieval.hybrid import HybridSearcher
                from assistant.retrieval.store_view import open_for_answers

                store = open_for_answers(self.settings)  # Chroma opens only when something needs it
                self.ingest(store)
                store.stamp()  # e.g. a store an older version wrote: the next cold start need not open Chroma
                self._store = HybridSearcher(store, data_as_of=self.md.info.as_of)
                self.toolbox.searcher = self._store
            return self._store

    def _warm_for_answer(self) -> None:
        """`warm()` before an answer. A store that cannot open is a source that is down: this answer's
        searches fail as unavailable (market-data answers still work); the next answer tries to open it again."""
        try:
            self.warm()
        except Exception as exc:  # noqa: BLE001 - any failure to open is reported through the searches
            self.toolbox.searcher = _UnavailableStore(str(exc))

    def ingest(self, store: Any) -> Any:
        """Idempotent ingest of the snapshot's (or live source's) news and documents."""
        from ingest.pipeline import ingest_snapshot, ingest_source

        callback = _stderr_progress() if self._progress else None
        if self.settings.live:
            return ingest_source(self.md.source, store, progress=callback)
        report = ingest_snapshot(
            self.settings.snapshot_path,
            store,
            progress=callback,
            registry=self.settings.etf_registry,
            skip_if_held=True,
            snapshot_source=self.md.source,
        )
        if report.added or report.replaced:
            log.info("ingested %d documents into the store", len(report.added) + len(report.replaced))
        return report

    @property
    def searcher(self) -> Any:
        return self.warm()

    # ------------------------------------------------------------------------------------------ asking
    def ask(self, question: str, session_id: str | None = None) -> Answer:
        answer, _ = self.ask_with_session(question, session_id)
        return answer

    def ask_with_session(
        self, question: str, session_id: str | None = None, on_sentence: Callable[[str], None] | None = None
    ) -> tuple[Answer, str | None]:
        """Answer; with a session id, resolve follow-ups against it and store the turn. `on_sentence` gets
        each verified sentence of an LLM answer while it is written (answerers that stream; see
        answer/streaming.py), before the final answer is returned."""
        context, session_id = self._begin(question, session_id, ())
        from assistant.caveats import attach, collecting

        with collecting() as warnings:  # what the toolbox served carries its warnings into the answer
            if on_sentence is not None and getattr(self.answerer, "streams", False):
                streaming = cast(StreamingAnswerer, self.answerer)  # it says it streams
                answer, new_context = streaming.answer(question, context, on_sentence=on_sentence)
            else:
                answer, new_context = self.answerer.answer(question, context)
        answer = attach(answer, warnings)
        if session_id is not None:
            self.sessions.append_turn(session_id, question, answer, new_context)
        return answer, session_id

    def ask_stream(
        self, question: str, session_id: str | None = None, history: Sequence[str] = ()
    ) -> Iterator[str | Answer]:
        """Yield the answer's text in pieces as they are produced, then the final `Answer` (the pieces joined
        are exactly `Answer.answer`). `history` holds earlier questions of a conversation the caller keeps
        itself (OpenAI-style `messages`): they give follow-up context when the session has none.

        The seam for streaming answerers: one with `answer_stream(question, context)` -- yielding str pieces,
        then one `(Answer, context)` tuple -- streams natively; any other is answered whole and streamed by
        paragraph, which is as early as a finished answer can be sent."""
        context, session_id = self._begin(question, session_id, history)
        from assistant.caveats import attach, collecting_in

        # Every step of the answer runs in one copied context, whichever API thread resumes the stream, so the
        # warnings the toolbox reports are collected as in `ask_with_session`.
        steps = contextvars.copy_context()
        warnings = collecting_in(steps)
        native = getattr(self.answerer, "answer_stream", None)
        if native is None:
            answer, new_context = steps.run(self.answerer.answer, question, context)
            answer = attach(answer, warnings)
            yield from _by_paragraph(answer.answer)
        else:
            items = iter(native(question, context))
            shown, result = "", None
            while (item := steps.run(next, items, None)) is not None:
                if isinstance(item, str):
                    if item:
                        shown += item
                        yield item
                else:
                    result = item
            if result is None:
                raise RuntimeError("the answerer's stream ended without an answer")
            answer, new_context = result
            answer = attach(answer, warnings)  # appended: the streamed text stays the answer's beginning
            if not answer.answer.startswith(shown):
                raise RuntimeError("the answerer's stream is not the beginning of its answer")
            if answer.answer[len(shown) :]:
                yield answer.answer[len(shown) :]
        if session_id is not None:
            self.sessions.append_turn(session_id, question, answer, new_context)
        yield answer

    def _begin(
        self, question: str, session_id: str | None, history: Sequence[str]
    ) -> tuple[dict[str, Any] | None, str | None]:
        """Check the question and find the context it follows: the session's last turn, else `history`."""
        if question is None or not str(question).strip():
            raise InputError("The question is empty.")
        if len(question) > MAX_QUESTION_CHARS:
            raise InputError(
                f"The question is too long ({len(question)} characters; at most {MAX_QUESTION_CHARS})."
            )
        self._warm_for_answer()
        context = None
        if session_id is not None:
            session_id = self.sessions.ensure(session_id)
            context = self.sessions.last_context(session_id)
        if context is None:
            for earlier in history:  # understanding a turn is cheap; answering it again is not needed
                if earlier and earlier.strip() and len(earlier) <= MAX_QUESTION_CHARS:
                    context = self.offline.understand(earlier, context).context()
        return context, session_id


def _open_sessions(settings: Settings) -> Any:
    """Redis when `redis_url` is set (API replicas share conversations), else the local SQLite file."""
    if settings.redis_url:
        from assistant.conversation_redis import RedisSessionStore

        return RedisSessionStore.from_url(settings.redis_url)
    from assistant.conversation import SessionStore

    return SessionStore.from_settings(settings)


def _by_paragraph(text: str) -> Iterator[str]:
    """A finished answer's text as paragraph pieces (blank-line separators kept, so they join back exactly)."""
    parts = text.split("\n\n")
    for i, part in enumerate(parts):
        yield part + ("\n\n" if i < len(parts) - 1 else "")


def get_engine(settings: Settings, *, answerer: AnswererKind = "offline", chat_model: Any = None) -> Engine:
    """One engine per settings (and answerer) in a process: the API and the eval suite reuse it."""
    if chat_model is not None:
        return Engine(settings, answerer=answerer, chat_model=chat_model)
    key = (settings.model_dump_json(), answerer)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = Engine(settings, answerer=answerer)
            _ENGINES[key] = engine
        return engine


class _UnavailableStore:
    """The searcher of a store that could not open: every search says so, as an upstream failure."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def search(self, *args: Any, **kwargs: Any) -> list[Any]:
        raise UpstreamError("retrieval", "open store", self.reason)

    def prefetch(self, queries: Sequence[str]) -> None:
        """Nothing to prepare: each search reports the store as unavailable."""


def _llm_answerer(settings: Settings, model: Any, toolbox: Any, offline: Any, lexicon: Any) -> Any:
    """`llm_mode` writer (default: the offline plan computes, the model writes) or agent (the model plans)."""
    if settings.llm_mode == "agent":
        from assistant.answer.agent import LLMAnswerer  # lazy: LangChain's agent stack is heavy

        return LLMAnswerer(toolbox, model, offline=offline, tool_choice=settings.llm_tool_choice)
    from assistant.answer.writer import WriterAnswerer

    return WriterAnswerer(model, offline, lexicon)


def _stderr_progress() -> Any:
    def report(p: Any) -> None:
        done, total = getattr(p, "done", None), getattr(p, "total", None)
        stage, message = getattr(p, "stage", ""), getattr(p, "message", "")
        suffix = f" {done}/{total}" if total else ""
        print(f"\r[ingest] {stage}{suffix} {message}".ljust(80), end="", file=sys.stderr, flush=True)

    return report


__all__ = ["MAX_QUESTION_CHARS", "Engine", "get_engine"]
