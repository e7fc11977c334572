"""A scripted chat model: the REAL agent loop (create_agent + ToolNode) runs REAL tools, the "model" is a list.

Each model call pops the next scripted step. A step is
- an `AIMessage` (may carry real `tool_calls` with ids; the agent executes them), or
- a string (a final answer), or
- a callable `(messages) -> AIMessage | str`, for answers that depend on what the tools returned (e.g. echo
  an evidence id the tool printed).

Every call's input messages are kept in `calls`, so tests can assert what the model was shown (tool errors,
<evidence> delimiters, the repair request). Running out of script raises: a test that expected fewer
model calls than happened fails loudly instead of looping.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

Step = AIMessage | str | Callable[[list[BaseMessage]], "AIMessage | str"]
_ids = itertools.count(1)


def call(name: str, **args: Any) -> AIMessage:
    """An assistant turn that calls one tool (the id is unique, as a real provider's would be)."""
    return AIMessage(
        content="", tool_calls=[{"name": name, "args": args, "id": f"call_{next(_ids)}", "type": "tool_call"}]
    )


def calls(*pairs: tuple[str, dict[str, Any]]) -> AIMessage:
    """An assistant turn that calls several tools in parallel."""
    return AIMessage(
        content="",
        tool_calls=[
            {"name": n, "args": a, "id": f"call_{next(_ids)}", "type": "tool_call"} for n, a in pairs
        ],
    )


def tool_messages(messages: Sequence[BaseMessage], name: str | None = None) -> list[ToolMessage]:
    return [m for m in messages if isinstance(m, ToolMessage) and (name is None or m.name == name)]


def evidence_ids(messages: Sequence[BaseMessage], kind: str | None = None) -> list[str]:
    """Evidence ids the tools showed the model (`id="..."` attributes), in order, deduplicated."""
    text = "\n".join(str(m.content) for m in tool_messages(messages))
    pattern = r'<evidence id="([^"]+)"' + (rf'[^>]*kind="{kind}"' if kind else "")
    return list(dict.fromkeys(re.findall(pattern, text)))


class ScriptedChatModel(BaseChatModel):
    """Replays `script`; `bind_tools` records the tool names and returns the same model (script shared)."""

    script: list[Any] = Field(default_factory=list)
    calls: list[list[BaseMessage]] = Field(default_factory=list)
    bound_tools: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:  # type: ignore[override]
        self.bound_tools = [
            t.get("name", "?") if isinstance(t, dict) else getattr(t, "name", str(t)) for t in tools
        ]
        return self

    @property
    def remaining(self) -> int:
        return len(self.script)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.calls.append(list(messages))
        if not self.script:
            raise AssertionError(f"scripted model ran out of steps after {len(self.calls) - 1} calls")
        step = self.script.pop(0)
        if callable(step) and not isinstance(step, BaseMessage):
            step = step(list(messages))
        message = AIMessage(content=step) if isinstance(step, str) else step
        return ChatResult(generations=[ChatGeneration(message=message)])
