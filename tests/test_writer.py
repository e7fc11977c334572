"""Writer mode, visible fallbacks and the LLM settings: a scripted chat model writes from the real evidence pack.

The offline answerer computes the facts over the bundled sample; the "model" is a list of replies
(tests/scripted_model.py). Checked: the pack is compact and numbered, `[n]` maps back to citation ids, every
answer says who wrote it and why the LLM's text was not published, and eval counts it under the right name.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langchain_core.messages import BaseMessage

from assistant.answer.llm import make_chat_model
from assistant.answer.offline import OfflineAnswerer
from assistant.answer.schema import Answer
from assistant.answer.tools import Toolbox
from assistant.answer.writer import WriterAnswerer
from assistant.config import Settings
from tests.sample_news import SEED
from tests.scripted_model import ScriptedChatModel

QUESTION = "为什么560500今天上涨？"


@pytest.fixture(scope="module")
def offline(toolbox: Toolbox) -> OfflineAnswerer:
    answerer = OfflineAnswerer(toolbox)
    answerer.lexicon_for_tests = toolbox.lexicon  # type: ignore[attr-defined]
    return answerer


def write(
    offline: OfflineAnswerer, script: list[Any], question: str = QUESTION
) -> tuple[Answer, dict[str, Any], ScriptedChatModel]:
    model = ScriptedChatModel(script=script)
    writer = WriterAnswerer(model, offline, offline.lexicon_for_tests)  # type: ignore[attr-defined]
    answer, ctx = writer.answer(question)
    assert model.remaining == 0, "the writer stopped before the script ended"
    return answer, ctx, model


def number_of(messages: list[BaseMessage], needle: str) -> str:
    """The `[n]` the pack gave the source whose line contains `needle`."""
    line = next(x for x in str(messages[-1].content).splitlines() if needle in x and x.startswith("["))
    return line.split("]")[0] + "]"


def test_the_model_writes_from_a_compact_numbered_pack(offline: OfflineAnswerer) -> None:
    def draft(messages: list[BaseMessage]) -> str:
        etf, news = number_of(messages, "fund_etf_hist_em"), number_of(messages, "需求爆发")
        return (
            f"鹏扬中证500质量成长ETF（560500）今天上涨1.60%{etf}，主要因为厦门钨业上涨10.00%，贡献+0.24个百分点。"
            f"新闻提到战略金属需求爆发{news}。"
        )

    answer, ctx, model = write(offline, [draft])
    assert (answer.answerer, answer.fallback_reason, ctx["answerer"]) == ("llm", None, "llm")
    assert answer.answer.startswith("鹏扬中证500质量成长ETF（560500）今天上涨1.60%[1]")
    assert [c.id for c in answer.citations][:2] == ["fund_etf_hist_em", SEED]
    assert "AKShare" in answer.answer.splitlines()[-1], "the offline data-origin footer is kept verbatim"
    news = answer.answer.split("**相关新闻**")[-1]
    assert "“" in news and sum(c.kind == "news" for c in answer.citations) >= 3, "headlines quoted verbatim"
    assert "“" not in str(model.calls[0][-1].content).split("已核实的事实")[-1], "not in the facts to rewrite"
    system, pack = model.calls[0]
    assert "[1]" in str(system.content) and len(str(system.content)) + len(str(pack.content)) < 3000
    assert "[[cite:" not in str(pack.content) and "1.60%" in str(pack.content)


def test_an_invented_number_is_never_published(offline: OfflineAnswerer) -> None:
    draft = "560500今天上涨2.50%[1]。厦门钨业上涨10.00%，贡献+0.24个百分点[1]。越秀资本上涨9.99%[1]。"
    answer, ctx, model = write(offline, [draft, "1: 鹏扬中证500质量成长ETF（560500）今天上涨1.60%[1]。"])
    assert answer.answerer == "llm_repaired" and ctx["llm"]["repaired"] == 1
    assert "2.50%" not in answer.answer and "1.60%" in answer.answer
    repair = str(model.calls[1][-1].content)
    assert "2.50%" in repair and "越秀资本上涨9.99%" not in repair, "only the failing sentence is sent back"


def test_fallbacks_say_why(offline: OfflineAnswerer) -> None:
    def timeout(messages: list[BaseMessage]) -> str:
        raise httpx.ReadTimeout("the server is still generating")

    def broken(messages: list[BaseMessage]) -> str:
        raise ConnectionError("refused")

    for step, code in (
        (timeout, "timeout"),
        (broken, "model_error"),
        ("560500今天上涨50%[1]。", "grounding_failed"),
        ("560500今天上涨1.60%[1]。", "wrong_language"),
    ):
        answer, ctx, _ = write(
            offline, [step], "Why did 560500 rise today?" if code == "wrong_language" else QUESTION
        )
        assert (answer.answerer, answer.fallback_reason) == ("offline_fallback", code), code
        assert ctx["llm"]["fallback_reason"] == code and "50%" not in answer.answer
    answer, _, model = write(offline, [], "What was 560500's return on 2025-10-01?")
    assert (answer.answerer, answer.fallback_reason) == (
        "offline_fallback",
        "no_evidence",
    ) and not model.calls


def test_eval_scores_who_wrote_the_answer() -> None:
    from eval.report import fmt
    from eval.scorers import CaseScore, aggregate

    def score(who: str, reason: str | None = None) -> CaseScore:
        return CaseScore(
            "c", "move", "zh", "llm", "answer", "correct", False, True, written_by=who, fallback_reason=reason
        )

    summary = aggregate(
        [
            score("llm"),
            score("llm_repaired"),
            score("offline_fallback", "timeout"),
            score("offline_fallback", "grounding_failed"),
        ]
    )
    assert summary["llm_written"] == 0.5 and summary["fallback_rate"] == 0.5
    assert summary["fallback_reasons"] == {"grounding_failed": 1, "timeout": 1}
    assert fmt(summary["fallback_reasons"], "reasons") == "grounding_failed×1, timeout×1"
    assert aggregate([score("offline")])["llm_written"] is None, "an offline run has no LLM share"


def test_llm_settings_reach_the_client() -> None:
    settings = Settings(
        llm_model="m",
        llm_base_url="http://127.0.0.1:9/v1",
        llm_timeout_s=7.5,
        llm_max_retries=3,
        llm_model_kwargs={"top_p": 0.5},
    )
    model = make_chat_model(settings)
    assert model.max_retries == 0, "the OpenAI client never retries: a timed-out request is not sent again"
    assert model.request_timeout == 7.5 and model.top_p == 0.5
    assert model.http_client is not None and model.http_client.timeout.read == 7.5
    assert Settings().llm_mode == "writer" and Settings(llm_mode="agent").llm_mode == "agent"


def test_verified_sentences_are_released_while_the_model_writes(offline: OfflineAnswerer) -> None:
    released: list[str] = []
    draft = (
        "鹏扬中证500质量成长ETF（560500）今天上涨1.60%[1]。厦门钨业上涨10.00%，贡献+0.24个百分点[1]。"
        "越秀资本下跌9.99%[1]。中钨高新上涨8.47%[1]。"
    )
    model = ScriptedChatModel(script=[draft, "1: -"])
    writer = WriterAnswerer(model, offline, offline.lexicon_for_tests)  # type: ignore[attr-defined]
    answer, ctx = writer.answer(QUESTION, on_sentence=released.append)
    assert [s.split("[")[0] for s in released] == [
        "鹏扬中证500质量成长ETF（560500）今天上涨1.60%",
        "厦门钨业上涨10.00%，贡献+0.24个百分点",
    ], "stops at the bad one"
    assert ctx["llm"]["first_sentence_s"] <= ctx["llm"]["model_seconds"]
    assert "下跌9.99%" not in answer.answer and answer.answerer == "llm_repaired"


def test_bench_llm_spreads_cases_and_prints_a_side_by_side_table() -> None:
    from eval.bench.llm import spread, table
    from eval.dataset import load_cases

    cases = spread(load_cases(), 6)
    assert len(cases) == 6 and len({c.category for c in cases}) == 6
    text = table(
        {
            "offline": {"cases": 6, "right": 1.0, "llm_written": None},
            "writer": {
                "cases": 6,
                "right": 0.5,
                "llm_written": 0.75,
                "fallback_reasons": {"timeout": 1},
                "first_sentence_p50_s": 12.5,
                "latency_p50_ms": 40_000.0,
            },
        }
    )
    assert "| written by the LLM | – | 75.0% |" in text and "timeout×1" in text
    assert "| first sentence p50 (s) | – | 12 |" in text and "| latency p50 (s) | – | 40 |" in text


def test_verbose_flag_shows_the_steps(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    result = CliRunner().invoke(
        app, ["-v", "ask", "为什么560500今天上涨？", "--json", "--store", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert '"answerer":"offline"' in result.stdout.replace(" ", "")
    import logging

    assert logging.getLogger("assistant").getEffectiveLevel() == logging.INFO
    assert CliRunner().invoke(app, ["-vv", "bench", "nothing"]).exit_code != 0
    assert logging.getLogger("assistant").getEffectiveLevel() == logging.DEBUG


def test_terminal_stream_prints_verified_sentences_then_the_rest(
    offline: OfflineAnswerer, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.cli.answer_commands import SentenceStream

    stream = SentenceStream()
    draft = (
        "鹏扬中证500质量成长ETF（560500）今天上涨1.60%[1]。厦门钨业上涨10.00%，贡献+0.24个百分点[1]。\x1b[31m"
    )
    writer = WriterAnswerer(ScriptedChatModel(script=[draft]), offline, offline.lexicon_for_tests)  # type: ignore[attr-defined]
    answer, _ = writer.answer(QUESTION, on_sentence=stream)
    stream.finish(answer)
    out = capsys.readouterr().out
    assert out.startswith("鹏扬中证500质量成长ETF（560500）今天上涨1.60%[1]。") and "\x1b" not in out
    assert out.count("今天上涨1.60%") == 1 and "AKShare" in out, "the rest once, then the footer and sources"


def test_figures_are_covered_by_the_data_sources_footer(offline: OfflineAnswerer) -> None:
    """A sentence whose numbers are all figures needs no marker of its own when the published footer cites the
    data behind them; a news claim still needs its passage."""
    draft = "中证500质量成长指数（930939）的涨幅主要来自小金属（+0.63个百分点）、证券（+0.35个百分点）。"
    answer, _, _ = write(offline, [draft])
    assert answer.answerer == "llm" and answer.answer.startswith(draft)
    answer, ctx, _ = write(offline, [draft + "新闻称战略金属需求爆发。", "1: -"])
    assert answer.answerer == "llm_repaired" and ctx["llm"]["dropped"] + ctx["llm"]["replaced"] == 1


def test_a_decline_stays_the_plans_and_no_forecast_is_published(offline: OfflineAnswerer) -> None:
    """The local 1.5B answered "560500明天会涨吗？" with "…因此，560500明天可能会涨。": the decline is kept verbatim
    above what the model writes, and a forecast sentence never passes the check."""
    draft = "鹏扬中证500质量成长ETF（560500）在2026年1月9日上涨1.60%[1]，指数为+1.64%[2]。因此，560500明天可能会涨。"
    answer, ctx, _ = write(offline, [draft, "1: -"], "560500明天会涨吗？")
    assert answer.answer.startswith("**我不做预测**"), answer.answer
    assert "明天可能会涨" not in answer.answer and answer.answerer == "llm_repaired"
    assert "forecasts or advises" in " ".join(ctx["llm"]["problems"])
    answer, _, model = write(offline, [], "560500的基金经理是谁？")
    assert (answer.answerer, answer.fallback_reason) == ("offline_fallback", "declined") and not model.calls
