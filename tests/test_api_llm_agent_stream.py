"""Streaming chat over HTTP in agent mode: a real `market-assistant serve` (uvicorn) whose model is a scripted
OpenAI-compatible server on loopback (tests/openai_stub.py, the only fake). The model calls a real tool, then
writes a final answer; its sentences reach the client one by one as they pass the check (the finished draft's,
after the tool loop), a failing sentence is never sent, and the final chunk carries the evidence."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api_server import Server, chat_stream, llm_api_server
from tests.openai_stub import StubModel, ToolCalls

pytestmark = pytest.mark.slow
QUESTION = "Why did 560500 rise today?"
DRAFT = (
    "560500 rose 1.60% today {etf}. 厦门钨业 rose 10.00%, contributing +0.24 pp {stocks}. "
    "越秀资本 fell 9.99% {stocks}. 中钨高新 rose 8.47% {stocks}."
)


def _marker(tool_text: str, line: str) -> str:
    """The `[n]` the tool result printed on the line starting with `line` (the model cites what it was shown)."""
    found = re.search(rf"^\s*-?\s*{re.escape(line)}.*?(\[\d+\])", tool_text, re.M)
    assert found, tool_text
    return found.group(1)


def _reply(messages: list[dict[str, Any]]) -> str | ToolCalls:
    last = messages[-1]
    if last["role"] == "user" and str(last["content"]).strip() == QUESTION:
        return ToolCalls((("explain_move", {"etf": "560500"}),))
    if last["role"] == "tool":
        tool = str(last["content"])
        return DRAFT.format(etf=_marker(tool, "ETF 560500"), stocks=_marker(tool, "厦门钨业"))
    return "1: -"  # warm-up questions and repair requests: nothing (a failing sentence is then replaced)


@pytest.fixture(scope="module")
def stub_and_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StubModel, Server]]:
    with llm_api_server(tmp_path_factory.mktemp("llm-agent-api"), _reply, "agent") as pair:
        yield pair


def test_agent_answer_streams_checked_sentences(stub_and_server: tuple[StubModel, Server]) -> None:
    stub, server = stub_and_server
    pieces, final = chat_stream(server, QUESTION)
    text = "".join(pieces)
    calls = [m for req in stub.requests for m in req["messages"] if m["role"] == "tool"]
    assert calls and "ETF 560500 return +1.60%" in calls[0]["content"], "the real tool ran for the model"
    assert len(pieces) >= 3, pieces
    assert pieces[0] == "560500 rose 1.60% today [1].", "the first checked sentence is a chunk of its own"
    assert pieces[1] == " 厦门钨业 rose 10.00%, contributing +0.24 pp [2].", pieces
    assert "fell 9.99%" not in text, "a sentence with the wrong direction never reaches the client"
    assert "rose 9.99%" in pieces[-1] and "8.47%" in pieces[-1], "replaced, then the rest after the check"
    assert final["answerer"] == "llm_repaired" and final["fallback_reason"] is None
    assert [c["n"] for c in final["citations"]] == [1, 2]
    assert [c["id"] for c in final["citations"]] == ["fund_etf_hist_em", "stock_zh_a_hist"]
    assert {int(n) for n in re.findall(r"\[(\d+)\]", text)} == {1, 2}, "one numbering over all chunks"
    facts = {(f["subject"], f["name"]): f["value"] for f in final["facts"]}
    assert round(facts[("560500", "etf_return_pct")], 2) == 1.60, sorted(facts)[:10]
