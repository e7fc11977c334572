"""Streaming chat over HTTP with an LLM writer: a real `market-assistant serve` (uvicorn) whose model is a scripted
OpenAI-compatible server on loopback (tests/openai_stub.py, the only fake). Each verified sentence reaches the
client while the model is still writing; a bad sentence is never sent; the pieces join to the published answer,
even when the model fails after sentences were released."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api_server import Server, chat_stream, llm_api_server
from tests.openai_stub import BREAK, HOLD, StubModel

pytestmark = pytest.mark.slow
QUESTION = "Why did 560500 rise today?"
SCRIPTS: list[str] = []  # the drafts for QUESTION, in order (each "{etf}" / "{stocks}" becomes its [n])


def _reply(messages: list[dict[str, Any]]) -> str:
    pack = str(messages[-1]["content"])
    if f"Question: {QUESTION}" not in pack:
        return "1: -" if "Question:" not in pack else "-"  # warm-up questions and repair requests
    numbers = {
        key: re.search(rf"^(\[\d+\]) AKShare {frame}", pack, re.M).group(1)  # type: ignore[union-attr]
        for key, frame in (("etf", "fund_etf_hist_em"), ("stocks", "stock_zh_a_hist"))
    }
    return SCRIPTS.pop(0).format(**numbers)


@pytest.fixture(scope="module")
def stub_and_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StubModel, Server]]:
    with llm_api_server(tmp_path_factory.mktemp("llm-api"), _reply, "writer") as pair:
        yield pair


def stream(server: Server, stub: StubModel) -> tuple[list[str], dict[str, Any], str]:
    """(content pieces, final chunk, the text received before the model was let past HOLD)."""
    stub.gate.clear()
    before = ""

    def hold_until_seen(pieces: list[str]) -> None:
        nonlocal before
        if not stub.gate.is_set():
            before = "".join(pieces)
            stub.release()  # the model may finish only after the client has the first sentences

    pieces, final = chat_stream(server, QUESTION, hold_until_seen)
    return pieces, final, before


def test_verified_sentences_stream_before_the_model_finishes(
    stub_and_server: tuple[StubModel, Server],
) -> None:
    stub, server = stub_and_server
    SCRIPTS.append(
        "560500 rose 1.60% today {etf}. 厦门钨业 rose 10.00%, adding +0.24 pp {stocks}. 中钨"
        + HOLD
        + "高新 rose 8.47% {stocks}."
    )
    pieces, final, before = stream(server, stub)
    text = "".join(pieces)
    assert before.startswith("560500 rose 1.60% today [1]."), "the first sentence came while the model waited"
    assert "8.47%" not in before
    assert final["answerer"] == "llm" and final["fallback_reason"] is None
    assert text.startswith(
        "560500 rose 1.60% today [1]. 厦门钨业 rose 10.00%, adding +0.24 pp [2]. 中钨高新 rose 8.47% [2]."
    )
    assert "AKShare" in text.splitlines()[-1], "the data-sources footer follows the written answer"
    assert [c["n"] for c in final["citations"]] == list(range(1, len(final["citations"]) + 1))


def test_a_failing_sentence_is_never_sent(stub_and_server: tuple[StubModel, Server]) -> None:
    stub, server = stub_and_server
    SCRIPTS.append(
        "560500 rose 1.60% today {etf}. 厦门钨业 rose 10.00% {stocks}. 越秀资本 fell 9.99% {stocks}."
        + HOLD
        + " 中钨高新 rose 8.47% {stocks}."
    )
    pieces, final, before = stream(server, stub)
    text = "".join(pieces)
    assert "fell 9.99%" not in text, "a sentence with the wrong direction never reaches the client"
    assert before.startswith("560500 rose 1.60% today [1].") and "9.99%" not in before
    assert text.startswith("560500 rose 1.60% today [1]. 厦门钨业 rose 10.00% [2].")
    assert final["answerer"] == "llm_repaired" and "rose 9.99%" in text, "replaced by the offline line"


def test_a_model_failure_after_release_keeps_what_was_sent(stub_and_server: tuple[StubModel, Server]) -> None:
    stub, server = stub_and_server
    SCRIPTS.append("560500 rose 1.60% today {etf}. 厦门钨业 rose 10.00% {stocks}. 中钨" + HOLD + BREAK)
    pieces, final, before = stream(server, stub)
    text = "".join(pieces)
    assert final["answerer"] == "offline_fallback" and final["fallback_reason"] == "model_error"
    assert text.startswith(before) and before.startswith("560500 rose 1.60% today [1].")
    offline = text[len("560500 rose 1.60% today [1]. 厦门钨业 rose 10.00% [2].") :]
    assert offline.startswith("\n\n**Pengyang CSI 500 Quality Growth ETF (560500) rose 1.60%"), offline[:80]
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
    assert cited == {c["n"] for c in final["citations"]}, "one numbering over streamed and offline text"
