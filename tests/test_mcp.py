"""The MCP server over stdio, driven by the official MCP SDK client and by a LangChain agent that loads the
tools through langchain-mcp-adapters (with the scripted chat model making real tool calls).

One real `market-assistant mcp` process serves the whole module: a blocking portal keeps the client session
open in its own event loop while the tests call into it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from assistant.answer.schema import Answer
from assistant.answer.tools import TOOL_SPECS
from tests.scripted_model import ScriptedChatModel, call, tool_messages

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("mcp-stdio")]

QUESTION = "为什么560500今天上涨？"
# Arguments that the bundled sample can answer, for every tool the server lists.
GOOD_ARGS: dict[str, dict[str, Any]] = {
    "explain_move": {"etf": "560500"},
    "etf_quote": {"etf": "560500", "date": "2026-01-09"},
    "index_constituents": {"index_or_etf": "560500", "top_n": 3},
    "etf_flows": {"etf": "560500"},
    "fund_profile": {"etf": "560500"},
    "search_news": {"query": "560500 上涨", "symbols": ["560500"]},
    "search_documents": {"query": "样本调整 rebalancing"},
    "ask": {"question": QUESTION},
}


def _command() -> str:
    exe = Path(sys.executable).with_name("market-assistant")
    return str(exe) if exe.exists() else shutil.which("market-assistant") or "market-assistant"


@asynccontextmanager
async def _stdio_session() -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(command=_command(), args=["mcp"], env=dict(os.environ))
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


@pytest.fixture(scope="module")
def mcp(request: pytest.FixtureRequest) -> Iterator[tuple[BlockingPortal, ClientSession]]:
    with start_blocking_portal() as portal, portal.wrap_async_context_manager(_stdio_session()) as session:
        yield portal, session


def test_lists_every_tool_described_for_a_newcomer(mcp: tuple[BlockingPortal, ClientSession]) -> None:
    portal, session = mcp
    tools = {t.name: t for t in portal.call(session.list_tools).tools}
    assert set(tools) == {name for name, *_ in TOOL_SPECS} | {"ask"}
    for tool in tools.values():
        # data origin, as-of and the ETFs covered, in every description
        assert "SAMPLE" in tool.description and "2026-01-09" in tool.description, tool.name
        assert "560500" in tool.description, tool.name
        assert tool.outputSchema is not None, f"{tool.name} has no output schema (no structured content)"
    assert tools["explain_move"].inputSchema["required"] == ["etf"]
    assert tools["explain_move"].inputSchema["properties"]["top_n"]["maximum"] == 20


def test_each_tool_returns_structured_content(mcp: tuple[BlockingPortal, ClientSession]) -> None:
    portal, session = mcp
    names = [t.name for t in portal.call(session.list_tools).tools]
    missing = set(names) - set(GOOD_ARGS)
    assert not missing, f"add sample arguments for {missing}"
    results = {name: portal.call(session.call_tool, name, GOOD_ARGS[name]) for name in names}
    for name, result in results.items():
        assert not result.isError, (name, result.content)
        assert isinstance(result.structuredContent, dict), name
    move = results["explain_move"].structuredContent
    assert move["etf"] == "560500" and move["trade_date"] == "2026-01-09"
    assert move["drivers"] and all("contribution_pp" in c for c in move["drivers"])
    fact = next(f for f in move["facts"] if f["name"] == "etf_return_pct")
    assert fact["value"] == pytest.approx(move["etf_return_pct"]) and fact["source"].startswith(
        "fund_etf_hist_em"
    )
    assert len(results["index_constituents"].structuredContent["holdings"]) == 3
    assert results["search_news"].structuredContent["passages"], "no news passage for 560500"
    assert results["search_documents"].structuredContent["passages"]
    answer = Answer.model_validate(results["ask"].structuredContent)
    assert answer.language == "zh" and answer.citations and answer.facts
    assert answer.data.origin == "sample"


def test_reads_the_snapshot_documents(mcp: tuple[BlockingPortal, ClientSession]) -> None:
    portal, session = mcp
    uris = {str(r.uri): r for r in portal.call(session.list_resources).resources}
    assert "market-assistant://documents/csi-930939-methodology" in uris
    assert "market-assistant://documents/fund-560500-profile" in uris
    doc = portal.call(session.read_resource, "market-assistant://documents/csi-930939-methodology").contents[
        0
    ]
    assert doc.mimeType == "text/markdown" and "930939" in doc.text
    assert not doc.text.startswith("---"), "front matter belongs in the resource's metadata, not its text"
    data = json.loads(portal.call(session.read_resource, "market-assistant://data").contents[0].text)
    assert data["origin"] == "sample" and data["etfs"][0]["etf"] == "560500"


@pytest.mark.parametrize(
    ("tool", "args", "says"),
    [
        ("explain_move", {"etf": "999999"}, "999999"),
        ("explain_move", {"etf": "560500", "top_n": 0}, "top_n"),
        ("etf_quote", {"etf": "560500", "date": "2030-01-01"}, "2030-01-01"),
        ("etf_quote", {}, "etf"),
        ("ask", {"question": "  "}, "empty"),
    ],
)
def test_bad_argument_is_a_tool_error_not_a_crash(
    mcp: tuple[BlockingPortal, ClientSession], tool: str, args: dict[str, Any], says: str
) -> None:
    portal, session = mcp
    result = portal.call(session.call_tool, tool, args)
    assert result.isError
    assert says in result.content[0].text, result.content[0].text
    assert not portal.call(session.call_tool, "etf_quote", {"etf": "560500"}).isError  # the server lives on


def test_langchain_agent_answers_through_the_mcp_tools(mcp: tuple[BlockingPortal, ClientSession]) -> None:
    from langchain.agents import create_agent
    from langchain_core.messages import HumanMessage
    from langchain_mcp_adapters.tools import load_mcp_tools

    portal, session = mcp

    def final(messages: list[Any]) -> str:
        move = json.loads(_text(tool_messages(messages, "explain_move")[0].content))
        news = json.loads(_text(tool_messages(messages, "search_news")[0].content))
        top = move["drivers"][0]
        return (
            f"560500今天上涨{move['etf_return_pct']:.2f}%，贡献最大的是{top['name']}"
            f"（{top['contribution_pp']:.2f}个百分点）[1]。来源：{news['passages'][0]['title']}"
        )

    model = ScriptedChatModel(
        script=[
            call("explain_move", etf="560500"),
            call("search_news", query="560500 上涨", symbols=["560500"]),
            final,
        ]
    )

    async def run() -> dict[str, Any]:
        tools = await load_mcp_tools(session)
        agent = create_agent(model, tools)
        return await agent.ainvoke({"messages": [HumanMessage(QUESTION)]})

    result = portal.call(run)
    assert set(model.bound_tools) == {name for name, *_ in TOOL_SPECS} | {"ask"}
    answer = result["messages"][-1].content
    move = json.loads(_text(tool_messages(result["messages"], "explain_move")[0].content))
    assert f"{move['etf_return_pct']:.2f}%" in answer and move["drivers"][0]["name"] in answer
    assert not model.remaining


def _text(content: Any) -> str:
    """A ToolMessage's text whether the adapter gives a string or content blocks."""
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
