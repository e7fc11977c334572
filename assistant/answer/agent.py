"""Agent mode: LangChain's agent plans and calls the same tools as the offline answerer, then the sentence check.

Flow of one `answer(question, context)`:
1. `create_agent(chat_model, build_tools(toolbox), system_prompt=prompts/system_{zh,en}.md,
   middleware=[ToolChoiceMiddleware, EvidenceMiddleware])` runs the real tool loop. Tool results are shown
   compactly with numbered evidence markers `[n]` (agent_evidence.py); `llm_tool_choice` can force a tool on
   the first model call (small models otherwise answer from memory).
2. The tools' results (ToolMessage artifacts) are registered in a `Ledger`, together with the offline
   answer's facts and sources (computed anyway: its lines replace failing sentences, and it is the fallback).
3. `publish` checks every sentence (subject, measure, sign, unit, evidence; check.py), sends only the failing
   ones back once (narrow repair), then replaces or drops what still fails.
   The finished draft's sentences are released as they pass (streaming.py: `answer(on_sentence=...)`,
   `answer_stream`), after the tool loop: the last model turn is not streamed token by token.
4. No publishable text (timeout, model error, tool loop, wrong language, more than half replaced) -> the
   offline answer, with `answerer="offline_fallback"` and the reason code (below any sentences already sent).

The returned context is the offline answerer's understanding of the question (`Intent.context()`, so follow-ups
resolve the same way whichever answerer spoke), plus `"answerer"` and `"llm"` (rounds, tool calls, problems,
repaired/replaced/dropped counts, fallback reason).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import string
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from assistant.analysis.figures import Figure
from assistant.answer.agent_evidence import (
    NUMBERING,
    EvidenceMiddleware,
    collect,
    final_text,
    ledger_of,
    used_facts,
)
from assistant.answer.check import Evidence, SentenceChecker, SentenceVerdict
from assistant.answer.evidence import Ledger
from assistant.answer.evidence_pack import (
    Numbering,
    display_text,
    entity_finder,
    released_above,
    with_placeholders,
)
from assistant.answer.llm import failure_code, load_prompt, with_answerer
from assistant.answer.publish import Unpublishable, narrow_repair, publish
from assistant.answer.schema import Answer
from assistant.answer.streaming import SentenceStreaming, Step, release_checked
from assistant.answer.tools import build_tools
from assistant.market.resolve import detect_language

if TYPE_CHECKING:
    from assistant.answer.tools import Toolbox

log = logging.getLogger(__name__)
Language = Literal["zh", "en"]

MAX_TOOL_STEPS = 12
"""Model calls per run before the agent is stopped (a model looping on tools is a failure, not an answer)."""
MAX_REPAIR_FACTS = 40


class AgentFailure(Unpublishable):
    """The agent did not produce a draft (model error, timeout, tool loop)."""


class ToolChoiceMiddleware(AgentMiddleware):
    """`tool_choice` for the first model call of a run (no tool result yet); later calls stay automatic."""

    def __init__(self, tool_choice: str) -> None:
        super().__init__()
        self.tool_choice = tool_choice

    def _first(self, request: Any) -> Any:
        if not any(isinstance(m, ToolMessage) for m in request.messages):
            known = {getattr(t, "name", None) for t in request.tools}
            choice: Any = self.tool_choice
            if choice in known:
                choice = {"type": "function", "function": {"name": choice}}
            return request.override(tool_choice=choice)
        return request

    def wrap_model_call(self, request: Any, handler: Callable[[Any], Any]) -> Any:
        return handler(self._first(request))

    async def awrap_model_call(self, request: Any, handler: Any) -> Any:
        return await handler(self._first(request))


class LLMAnswerer(SentenceStreaming):
    """Answers with an OpenAI-compatible chat model through LangChain's agent, gated by the sentence check.

    `chat_model`: any `BaseChatModel` with `bind_tools` (see `assistant.answer.llm.make_chat_model`).
    `offline`: the `OfflineAnswerer`: its `understand` gives each turn's language and context, its answer
    supplies replacement lines and the fallback.
    """

    name = "llm"

    def __init__(
        self,
        toolbox: Toolbox,
        chat_model: BaseChatModel,
        offline: Any,
        *,
        max_tool_steps: int = MAX_TOOL_STEPS,
        tool_choice: str | None = None,
    ) -> None:
        self.toolbox = toolbox
        self.chat_model = chat_model
        self.offline = offline
        self.max_tool_steps = max_tool_steps
        self.tool_choice = tool_choice
        self.tools = build_tools(toolbox)
        self._agents: dict[str, Any] = {}

    # -- public (`answer`, `answer_stream`: streaming.py) -------------------------------------------------
    def _steps(self, question: str, context: dict[str, Any] | None) -> Iterator[Step]:
        """The finished draft's sentences as they pass the check (the tool loop runs first), then
        `(answer, context)`. A fallback after release publishes the offline answer below what was sent."""
        language, new_context, hint = self._understand(question, context)
        record: dict[str, Any] = {
            "mode": "agent",
            "rounds": 0,
            "tool_calls": [],
            "problems": [],
            "fallback_reason": None,
        }
        base, offline_context = self.offline.answer(question, context)
        released: list[str] = []
        sources: list[Ledger] = []  # the check's ledger once built: it numbers released sentences on fallback
        token = NUMBERING.set(Numbering())
        try:
            answer, touched = yield from self._answer_with_agent(
                question, language, hint, record, base, released, sources
            )
        except Unpublishable as exc:
            log.warning(
                "LLM answer not published (%s), returning the offline answer instead: %s", exc.code, exc
            )
            record["fallback_reason"], record["detail"] = exc.code, str(exc)
            fallback = with_answerer(base, "offline_fallback", exc.code)
            if released:
                fallback = _below_released(fallback, base, "".join(released), sources, question)
            yield fallback, {**dict(offline_context or {}), "answerer": "offline_fallback", "llm": record}
            return
        finally:
            NUMBERING.reset(token)
        mode = "llm_repaired" if touched else "llm"
        log.info("LLM answer published (%s), tool calls: %s", mode, record["tool_calls"])
        yield with_answerer(answer, mode), {**new_context, "answerer": mode, "llm": record}

    # -- steps ---------------------------------------------------------------------------------------
    def _understand(
        self, question: str, context: dict[str, Any] | None
    ) -> tuple[Language, dict[str, Any], dict[str, Any]]:
        """Language, the context to store for the next turn, and the hint the model gets for a follow-up."""
        understand = getattr(self.offline, "understand", None)
        if understand is None:
            return detect_language(question), dict(context or {}), dict(context or {})
        intent = understand(question, context)
        new_context = intent.context()
        hint: dict[str, Any] = {}
        if context and (intent.followup or intent.inherited):
            hint = {k: v for k, v in new_context.items() if k not in ("question", "language")}
        language: Language = intent.language if intent.language in ("zh", "en") else detect_language(question)
        return language, new_context, hint

    def _agent(self, language: Language) -> Any:
        """One compiled agent per language and data as-of (the system prompt states the as-of time)."""
        key = f"{language}|{self.toolbox.info.as_of.isoformat()}"
        agent = self._agents.get(key)
        if agent is None:
            middleware: list[AgentMiddleware] = [EvidenceMiddleware()]
            if self.tool_choice:
                middleware.insert(0, ToolChoiceMiddleware(self.tool_choice))
            agent = create_agent(
                self.chat_model,
                self.tools,
                system_prompt=self._system_prompt(language),
                middleware=middleware,
                name=f"market-assistant-{language}",
            )
            self._agents[key] = agent
        return agent

    def _system_prompt(self, language: Language) -> str:
        info = self.toolbox.info
        labels = {
            "zh": {"sample": "示例", "synthetic": "合成", "recorded": "录制快照", "live": "实时"},
            "en": {"sample": "sample", "synthetic": "synthetic", "recorded": "recorded", "live": "live"},
        }
        return string.Template(load_prompt(f"system_{language}")).safe_substitute(
            origin=labels[language].get(info.origin, info.origin),
            as_of=info.as_of.isoformat(),
            trade_date=info.trade_date.isoformat(),
        )

    def _run(
        self, language: Language, messages: list[BaseMessage], record: dict[str, Any]
    ) -> list[BaseMessage]:
        config = {"recursion_limit": 2 * self.max_tool_steps + 1}
        try:
            state = self._agent(language).invoke({"messages": messages}, config=config)
        except Exception as exc:
            raise AgentFailure(failure_code(exc), f"the agent failed: {type(exc).__name__}: {exc}") from exc
        out: list[BaseMessage] = list(state["messages"])
        record["rounds"] += 1
        new_calls = [
            f"{c['name']}({json.dumps(c.get('args', {}), ensure_ascii=False)})"
            for m in out[len(messages) :]
            if isinstance(m, AIMessage)
            for c in m.tool_calls
        ]
        record["tool_calls"] += new_calls
        log.info("tool calls: %s", new_calls or "none")
        log.info("draft: %s", final_text(out)[:2000])
        return out

    def _answer_with_agent(
        self,
        question: str,
        language: Language,
        hint: dict[str, Any],
        record: dict[str, Any],
        base: Answer,
        released: list[str],
        sources: list[Ledger],
    ) -> Generator[str, None, tuple[Answer, bool]]:
        numbering = NUMBERING.get() or Numbering()
        started = time.perf_counter()  # time to first sentence counts the whole tool loop
        messages = self._run(language, self._opening(question, hint, language), record)
        results = collect(messages)
        draft = final_text(messages)
        text, unknown = numbering.to_placeholders(draft)
        record["unknown_markers"] = unknown
        ledger = ledger_of(results, self.toolbox.info, for_check=True)
        _register_answer(ledger, base)
        sources.append(ledger)
        checker = SentenceChecker(
            Evidence(
                facts=ledger.facts,
                sources=ledger.sources(),
                quotes=ledger.quotes(),
                dates=[self.toolbox.info.trade_date, self.toolbox.info.as_of.date()],
                find_entities=entity_finder(self.toolbox.lexicon, ledger.facts),
            ),
            language,
        )

        def repair(failing: list[SentenceVerdict]) -> list[str | None]:
            return narrow_repair(
                self.chat_model, failing, _facts_for(failing, ledger, numbering), numbering, language, record
            )

        # The tool loop is over and the draft is finished: its sentences are released one by one as they pass
        # (the model's last turn is not streamed token by token; time to first sentence = time to draft).
        yield from release_checked(
            [draft], checker, numbering, record, released, complete=True, started=started
        )
        outcome = publish(text, checker, with_placeholders(base), repair, keep=len(released))
        record.update(
            problems=outcome.problems,
            repaired=outcome.repaired,
            replaced=outcome.replaced,
            dropped=outcome.dropped,
        )
        all_facts = list({f.id: f for r in results for f in r.facts}.values())
        final = ledger_of(results, self.toolbox.info, used_facts(outcome.text, all_facts))
        _register_answer(final, base, with_facts=outcome.replaced > 0)
        try:
            answer = final.build(question, outcome.text, language)
        except ValueError as exc:  # e.g. a cited source published after as_of
            raise AgentFailure("build_failed", f"the answer could not be built: {exc}") from exc
        if released and not answer.answer.startswith(display_text("".join(released))):
            raise AgentFailure("stream_mismatch", "the published text does not start with the sent sentences")
        return answer, outcome.touched

    def _opening(self, question: str, hint: dict[str, Any], language: Language) -> list[BaseMessage]:
        """The user's question, preceded by what earlier turns resolved (for follow-ups), if anything."""
        earlier = {
            k: v
            for k, v in hint.items()
            if k not in ("answerer", "llm")
            and isinstance(v, (str, int, float, bool, list, dict))
            and v not in (None, "", [], {})
        }
        if not earlier:
            return [HumanMessage(question)]
        note = (
            "（上文对话已确定的信息，供理解追问："
            if language == "zh"
            else "(Resolved by earlier turns of this conversation, to interpret a follow-up: "
        )
        note += json.dumps(earlier, ensure_ascii=False, default=str)[:1500]
        note += "）" if language == "zh" else ")"
        return [HumanMessage(f"{note}\n\n{question}")]


def _register_answer(ledger: Ledger, answer: Answer, with_facts: bool = True) -> None:
    """The offline answer's sources (and facts) join the ledger: its lines may replace failing sentences."""
    for c in answer.citations:
        try:
            ledger.add_passage(c.id, c.kind, c.title, c.source, c.url, c.published_at, c.quote)
        except ValueError as exc:
            log.warning("offline source not registered: %s", exc)
    for f in answer.facts if with_facts else ():
        if f.unit == "date":
            continue
        try:
            ledger.add_figure(
                Figure(f.name, f.subject, f.value, f.unit, dt.date.fromisoformat(f.as_of), f.source)
            )
        except ValueError as exc:
            log.info("offline fact not registered: %s", exc)


def _below_released(
    fallback: Answer, base: Answer, released: str, sources: list[Ledger], question: str
) -> Answer:
    """The offline fallback under the sentences already sent, numbered over both. Released sentences may cite
    tool results the offline answer lacks: the check's ledger (which holds both) numbers them."""
    if sources:
        try:
            return released_above(
                fallback,
                base,
                released,
                lambda text: (
                    sources[0].build(question, text, base.language).model_copy(update={"facts": base.facts})
                ),
            )
        except ValueError as exc:  # e.g. a source published after as_of: number over the offline sources
            log.warning("released sentences numbered over the offline sources only: %s", exc)
    return released_above(fallback, base, released)


def _facts_for(failing: Sequence[SentenceVerdict], ledger: Ledger, numbering: Numbering) -> str:
    """The compact evidence a repair needs: the figures of the failing sentences' subjects, numbered."""
    subjects = {s for v in failing for s in v.subjects}
    facts = [f for f in ledger.facts if f.unit != "date" and (not subjects or f.subject in subjects)]
    lines = [
        f"- {f.subject} {f.name} = {f.value:.4g} {f.unit} "
        f"[{numbering.number(f.source.split('+')[0].strip())}]"
        for f in facts[:MAX_REPAIR_FACTS]
    ]
    return "\n".join(lines)


__all__ = ["AgentFailure", "LLMAnswerer", "ToolChoiceMiddleware"]
