"""What the API serves besides the API, through real clients against one real `market-assistant serve`:
the chat page in headless Debian Chromium (Playwright with `executable_path`), and the MCP server over
streamable HTTP with the official MCP SDK client.

The server answers from a copy of the bundled sample whose every news title carries a `<script>` and an
`<img onerror>`: whatever the answer cites, the page must show that markup as text and run none of it.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from assistant.config import bundled_sample_path
from tests.api_server import ALICE, Server, start
from tests.test_mcp import GOOD_ARGS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("web")]

CHROMIUM = "/usr/bin/chromium"
QUESTION = "为什么560500今天上涨？"
PAYLOAD = '<script>window.__pwned="script"</script><img src=x onerror="window.__pwned=\'img\'">'
ARTIFACTS = Path(
    os.environ.get("MARKET_ASSISTANT_TEST_ARTIFACTS")
    or Path(tempfile.gettempdir()) / "market-assistant-artifacts"
)


def hostile_snapshot(root: Path) -> Path:
    """The sample, with the payload appended to every news title (news/*.jsonl and stock_news_em frames)."""
    snap = root / "hostile-sample"
    shutil.copytree(bundled_sample_path(), snap)
    for path in (snap / "news").glob("*.jsonl"):
        items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        path.write_text(
            "".join(
                json.dumps({**item, "title": item["title"] + PAYLOAD}, ensure_ascii=False) + "\n"
                for item in items
            ),
            encoding="utf-8",
        )
    for path in (snap / "frames").glob("stock_news_em_*.csv"):
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            row["新闻标题"] += PAYLOAD
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return snap


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("web")
    srv = start(
        tmp,
        {
            "MARKET_ASSISTANT_SNAPSHOT": str(hostile_snapshot(tmp)),
            "MARKET_ASSISTANT_STORE": str(tmp / "store"),
        },
    )
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM)
        yield b
        b.close()


@pytest.fixture(scope="module")
def chat(server: Server, browser: Any) -> Iterator[Any]:
    """One page, key handed over in the URL fragment, with the sample question asked and answered; CSP
    violations and pieces of streamed text are recorded from the start."""
    page = browser.new_page(viewport={"width": 900, "height": 1000}, locale="zh-CN")
    page.add_init_script("""
        window.__violations = [];
        document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective));
        window.__renders = [];
        new MutationObserver(records => { for (const r of records) {
            if (r.target.classList && r.target.classList.contains('answer') && r.addedNodes.length)
                window.__renders.push([...r.addedNodes].map(n => n.textContent).join('').length);
        } }).observe(document, {childList: true, subtree: true});
    """)
    page.goto(f"{server.url}/#key={ALICE}")
    ask(page, QUESTION)
    yield page
    page.close()


def ask(page: Any, question: str) -> Any:
    """Type the question, send it with Enter, wait for the answer to finish; the new answer's element."""
    before = page.locator(".turn.bot").count()
    page.fill("#q", question)
    page.press("#q", "Enter")
    page.locator(".turn.bot[aria-busy=false]").nth(before).wait_for(timeout=120_000)
    return page.locator(".turn.bot").nth(before)


# ---------------------------------------------------------------------------------------------- chat page


def test_page_is_served_with_a_strict_csp_and_the_data_line(server: Server) -> None:
    r = httpx.get(f"{server.url}/", timeout=30)
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
    assert 'data-origin="sample"' in r.text and 'data-as-of="2026-01-09T15:00:00+08:00"' in r.text
    linked = re.findall(r'(?:src|href)="([^"]*)"', r.text)
    assert linked and all(not re.match(r"^(?:[a-z]+:)?//", u) for u in linked), (
        linked
    )  # nothing from elsewhere


def test_answer_streams_in_pieces_with_cards_and_chart(chat: Any) -> None:
    bot = chat.locator(".turn.bot").first
    text = bot.locator(".answer").inner_text()
    assert "560500" in text and "1.60%" in text
    full = bot.locator(".answer").evaluate("e => e.textContent.length")
    renders = chat.evaluate("window.__renders")  # text length at each render of the answer
    assert renders[-1] == full and [n for n in renders if n < full], f"text arrived in one piece: {renders}"
    # the data line is visible and says sample, not live
    line = chat.locator("#data-line")
    assert line.is_visible() and "样例数据" in line.inner_text() and "2026-01-09" in line.inner_text()
    # citation cards: numbered, a data card names its AKShare frame, [n] markers link to them
    cards = bot.locator(".card")
    assert cards.count() >= 3
    assert bot.locator(".card.kind-data code", has_text="fund_etf_hist_em").count() == 1
    news = bot.locator(".card.kind-news").first
    assert news.locator(".card-meta").inner_text().strip() and news.locator(".card-quote").count() <= 1
    first_marker = bot.locator(".answer a.cite").first
    assert first_marker.get_attribute("href") == "#c-1-1"
    # the chart: ETF and index moves, then the largest contributor's bar first, labelled with its name
    chart = bot.locator("figure.chart")
    assert chart.count() == 1
    moves = chart.locator(".moves .bar-row")
    assert (
        moves.count() == 2 and "+1.60%" in moves.first.inner_text() and "+1.64%" in moves.nth(1).inner_text()
    )
    top = chart.locator(".group.up .bar-row").first
    assert "厦门钨业" in top.locator(".bar-label").inner_text() and "+0.24" in top.inner_text()
    widths = chart.locator(".group.up .bar").evaluate_all(
        "bars => bars.map(b => b.getBoundingClientRect().width)"
    )
    assert widths == sorted(widths, reverse=True)
    assert chart.locator(".group.down .bar-row").count() >= 1  # negative contributions apart
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    height = chat.evaluate("document.documentElement.scrollHeight")
    chat.set_viewport_size({"width": 900, "height": height})
    chat.screenshot(path=str(ARTIFACTS / "web-chat-answer.png"))
    chat.set_viewport_size({"width": 900, "height": 1000})


def test_injected_markup_in_news_titles_runs_nothing(chat: Any) -> None:
    titles = chat.locator(".turn.bot .card.kind-news .card-title").all_inner_texts()
    assert titles and any("<script>" in t and "onerror" in t for t in titles), titles  # shown, as text
    assert chat.evaluate("window.__pwned") is None
    assert chat.evaluate("document.querySelectorAll('.turn script, .turn img, .turn iframe').length") == 0
    assert chat.evaluate("window.__violations") == [], "markup was parsed as HTML (the CSP blocked it)"


def test_citation_marker_moves_keyboard_focus_to_its_card(chat: Any) -> None:
    marker = chat.locator(".turn.bot .answer a.cite", has_text="[3]").first
    marker.focus()
    chat.keyboard.press("Enter")
    assert chat.evaluate("document.activeElement.id") == "c-1-3"


def test_follow_up_continues_the_conversation(chat: Any) -> None:
    bot = ask(chat, "那西部矿业呢？")
    assert chat.locator(".turn.bot").count() == 2 and chat.locator(".turn.user").count() == 2
    text = bot.locator(".answer").inner_text()
    assert "西部矿业" in text and "601168" in text, text  # resolved against the first turn's ETF and day


def test_english_question_gets_an_english_interface_and_no_chart_without_move_facts(chat: Any) -> None:
    chat.get_by_role("button", name="新对话").click()
    assert chat.locator(".turn").count() == 0 and chat.locator("#welcome").is_visible()
    bot = ask(chat, "What are the top 10 holdings of 560500?")
    assert chat.evaluate("document.documentElement.lang") == "en"
    assert chat.get_by_role("button", name="Send").is_visible()
    assert chat.get_by_role("button", name="New conversation").is_visible()
    assert "Sample data" in chat.locator("#data-line").inner_text()
    assert bot.locator(".sources h3").inner_text() == "Sources"
    assert bot.locator("figure.chart").count() == 0


def test_key_is_entered_once_then_remembered(server: Server, browser: Any) -> None:
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(f"{server.url}/")
    assert page.locator("#key-form").is_visible()
    page.fill("#key-input", ALICE)
    page.press("#key-input", "Enter")
    assert page.locator("#key-form").is_hidden()
    page.reload()
    assert page.locator("#key-form").is_hidden()
    bot = ask(page, "What is 560500's premium to IOPV?")
    assert bot.locator(".error").count() == 0 and "560500" in bot.inner_text()
    context.close()


def test_portal_embeds_the_page_with_one_script_tag(server: Server, browser: Any) -> None:
    """A portal on another origin (a real HTTP server: Chromium's local-network checks refuse a faked one)
    drops in one script tag that carries the key."""
    html = (
        f'<!doctype html><title>Portal</title><h1>Portal</h1><script src="{server.url}/web/embed.js" '
        f'data-api-key="{ALICE}" data-lang="en" data-height="500px"></script>'
    ).encode()

    class Portal(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args: Any) -> None:
            pass

    portal = ThreadingHTTPServer(("127.0.0.1", 0), Portal)
    threading.Thread(target=portal.serve_forever, daemon=True).start()
    page = browser.new_page()
    try:
        page.goto(f"http://127.0.0.1:{portal.server_address[1]}/")
        frame = page.frame_locator("iframe")
        # The iframe loads lazily: its script wires the form before it draws the suggestion chips, so once a chip
        # is there, Enter is heard.
        frame.locator("#suggestions .chip").first.wait_for(timeout=60_000)
        frame.locator("#q").fill("Why did 560500 rise today?")
        frame.locator("#q").press("Enter")
        frame.locator(".turn.bot[aria-busy=false]").wait_for(timeout=120_000)
        assert frame.locator("#key-form").is_hidden()  # the key came from the portal, never typed
        assert frame.locator(".turn.bot .error").count() == 0 and frame.locator("figure.chart").count() == 1
    finally:
        page.close()
        portal.shutdown()


# ---------------------------------------------------------------------------------------------- MCP over HTTP


@asynccontextmanager
async def _http_session(url: str, key: str) -> AsyncIterator[ClientSession]:
    async with (
        httpx.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=120) as http,
        streamable_http_client(f"{url}/mcp", http_client=http) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


@pytest.fixture(scope="module")
def mcp_http(server: Server) -> Iterator[tuple[BlockingPortal, ClientSession]]:
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(_http_session(server.url, ALICE)) as s,
    ):
        yield portal, s


def test_mcp_over_http_lists_calls_and_reads(mcp_http: tuple[BlockingPortal, ClientSession]) -> None:
    portal, session = mcp_http
    tools = portal.call(session.list_tools).tools
    assert {t.name for t in tools} == set(GOOD_ARGS)
    for tool in tools:
        result = portal.call(session.call_tool, tool.name, GOOD_ARGS[tool.name])
        assert not result.isError and isinstance(result.structuredContent, dict), (tool.name, result.content)
    doc = portal.call(session.read_resource, "market-assistant://documents/fund-560500-profile").contents[0]
    assert "560500" in doc.text
    bad = portal.call(session.call_tool, "explain_move", {"etf": "999999"})
    assert bad.isError and "999999" in bad.content[0].text


def test_mcp_over_http_needs_a_key(server: Server) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Accept": "application/json, text/event-stream"}
    r = httpx.post(f"{server.url}/mcp", json=body, headers=headers, timeout=30)
    assert r.status_code == 401 and r.json()["error"]["code"] == "missing_api_key"
    r = httpx.post(
        f"{server.url}/mcp", json=body, headers={**headers, "Authorization": "Bearer nope"}, timeout=30
    )
    assert r.status_code == 401
