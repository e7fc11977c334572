"""The sentence check (answer/check.py) and sentence-level publishing (answer/publish.py) on the bundled sample.

Fair: every offline answer to the sample eval questions passes it. Strict: numbers bound to subject, measure
and sign; units kept; claims without numbers need evidence; names are neither claims nor "wrong language";
a failing sentence is repaired, replaced by the offline line, or dropped -- never published.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.answer.agent_evidence import ledger_of
from assistant.answer.check import Evidence, SentenceChecker
from assistant.answer.evidence_pack import Numbering, entity_finder, evidence_of_answer, with_placeholders
from assistant.answer.offline import OfflineAnswerer
from assistant.answer.publish import Unpublishable, publish
from assistant.answer.tools import Toolbox
from tests.sample_news import SEED

CASES = Path(__file__).resolve().parents[1] / "eval" / "cases" / "sample.jsonl"


def checker_for(toolbox: Toolbox, language: str) -> SentenceChecker:
    results = [
        toolbox.explain_move("560500"),
        toolbox.search_news("560500 上涨", symbols=["560500"]),
        toolbox.search_documents("样本调整", symbols=["930939"]),
    ]
    ledger = ledger_of(results, toolbox.info, for_check=True)
    return SentenceChecker(
        Evidence(
            ledger.facts,
            ledger.sources(),
            ledger.quotes(),
            [toolbox.info.trade_date, toolbox.info.as_of.date()],
            entity_finder(toolbox.lexicon, ledger.facts),
        ),
        language,
    )  # type: ignore[arg-type]


def problems(checker: SentenceChecker, text: str) -> list[str]:
    return checker.check(text).all_problems()


DATA = "[[cite:fund_etf_hist_em]]"
STOCKS = "[[cite:stock_zh_a_hist]]"


def test_every_offline_answer_passes_the_check(offline: OfflineAnswerer, toolbox: Toolbox) -> None:
    """Fair: the deterministic answers (whose lines replace failing sentences) pass the same check."""
    failing = {}
    for line in CASES.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        if case.get("snapshot"):
            continue
        answer, _ = offline.answer(case["question"])
        verdict = SentenceChecker(evidence_of_answer(answer, toolbox.lexicon), answer.language).check(
            with_placeholders(answer)
        )
        if not verdict.ok:
            failing[case["id"]] = verdict.all_problems()
    assert not failing


def test_a_number_is_bound_to_its_subject_sign_and_measure(toolbox: Toolbox) -> None:
    en, zh = checker_for(toolbox, "en"), checker_for(toolbox, "zh")
    assert not problems(
        en, f"560500 rose 1.60% {DATA}, slightly behind its index's 1.64% [[cite:stock_zh_index_daily_em]]."
    )
    assert not problems(zh, f"厦门钨业上涨10.00%，贡献0.24个百分点{STOCKS}。")
    # An invented "+3.4%" is not backed by another figure of about that size.
    assert any("another subject" in p for p in problems(en, f"560500 rose 3.37% {STOCKS}."))
    assert any(
        "whose figure" in p or "another subject" in p or "not in the evidence" in p
        for p in problems(en, f"Apple rose +3.4% {STOCKS}.")
    )
    assert any("wrong direction" in p for p in problems(zh, f"厦门钨业下跌10.00%{STOCKS}。"))
    assert any("different measure" in p for p in problems(zh, f"厦门钨业权重10.00%{STOCKS}。"))


def test_units_are_kept(toolbox: Toolbox) -> None:
    zh = checker_for(toolbox, "zh")
    assert not problems(zh, f"560500跑输指数0.04个百分点{DATA}。")
    assert problems(zh, f"560500跑输指数0.04%{DATA}。"), "a tracking difference in % instead of pp"
    assert not problems(zh, "560500份额增加1,600.00万份[[cite:fund_etf_scale_sse]]。")
    assert problems(zh, "560500份额增加1,600.00万元[[cite:fund_etf_scale_sse]]。"), "份 is not 元"


def test_claims_without_numbers_need_evidence(toolbox: Toolbox) -> None:
    zh = checker_for(toolbox, "zh")
    assert any(
        "cites no evidence" in p for p in problems(zh, f"560500今天上涨1.60%{DATA}。新闻称厦门钨业获得大单。")
    )
    assert not problems(zh, f"新闻称战略金属需求爆发[[cite:{SEED}]]。")
    assert any("moved down" in p for p in problems(zh, f"560500今天下跌{DATA}。")), (
        "a direction against the data"
    )
    assert any(
        "cites no evidence" in p
        for p in problems(zh, f"560500今天上涨1.60%{DATA}。该指数每半年调整一次样本。")
    )


def test_names_are_not_claims_nor_a_wrong_language(toolbox: Toolbox) -> None:
    en, zh = checker_for(toolbox, "en"), checker_for(toolbox, "zh")
    assert not problems(en, f"Xiamen Tungsten (厦门钨业) rose 10.00% and 越秀资本 rose 9.99% {STOCKS}.")
    assert not problems(zh, f"500质量成长ETF鹏扬今天上涨1.60%{DATA}。"), "the 500 in the name is not a number"
    assert any(
        "mostly Chinese" in p for p in problems(en, f"560500今天上涨1.60%，主要由厦门钨业带动{DATA}。")
    )


def _publish(toolbox: Toolbox, offline: OfflineAnswerer, draft: str, fixes: list[Any]) -> Any:
    base, _ = offline.answer("为什么560500今天上涨？")
    checker = SentenceChecker(evidence_of_answer(base, toolbox.lexicon), "zh")
    asked: list[Any] = []

    def repair(failing: list[Any]) -> list[str | None]:
        asked.append([v.plain for v in failing])
        return fixes

    return publish(draft, checker, with_placeholders(base), repair), asked


def test_only_the_failing_sentence_is_repaired(toolbox: Toolbox, offline: OfflineAnswerer) -> None:
    draft = (
        f"560500今天上涨2.50%{DATA}。厦门钨业上涨10.00%，贡献0.24个百分点{STOCKS}。"
        f"越秀资本上涨9.99%{STOCKS}。"
    )
    outcome, asked = _publish(toolbox, offline, draft, [f"560500今天上涨1.60%{DATA}。"])
    assert asked == [["560500今天上涨2.50%。"]], "only the failing sentence goes back"
    assert (outcome.repaired, outcome.replaced, outcome.dropped) == (1, 0, 0)
    assert "2.50%" not in outcome.text and "1.60%" in outcome.text and "越秀资本上涨9.99%" in outcome.text


def test_a_sentence_still_wrong_is_replaced_or_dropped_never_published(
    toolbox: Toolbox, offline: OfflineAnswerer
) -> None:
    draft = (
        f"560500今天上涨2.50%{DATA}。厦门钨业上涨10.00%，贡献0.24个百分点{STOCKS}。"
        f"越秀资本上涨9.99%{STOCKS}。苹果公司上涨3.4%{STOCKS}。"
    )
    outcome, _ = _publish(toolbox, offline, draft, [f"560500今天上涨2.60%{DATA}。", None])
    assert "2.50%" not in outcome.text and "2.60%" not in outcome.text and "3.4%" not in outcome.text
    assert outcome.replaced == 1 and outcome.dropped == 1
    assert "鹏扬中证500质量成长ETF（560500）在2026年1月9日上涨1.60%" in outcome.text, "the offline line"
    with pytest.raises(Unpublishable) as err:  # more than half gone: not the model's answer any more
        _publish(toolbox, offline, f"560500今天上涨2.50%{DATA}。苹果公司上涨3.4%{STOCKS}。", [None, None])
    assert err.value.code == "grounding_failed"


def test_numbered_evidence_maps_back_to_ids() -> None:
    numbering = Numbering()
    assert [numbering.number(i) for i in ("fund_etf_hist_em", SEED, "fund_etf_hist_em")] == [1, 2, 1]
    text, unknown = numbering.to_placeholders("上涨1.60%[1]，新闻[2]【2】[[cite:1]][9]。")
    assert text == f"上涨1.60%{DATA}，新闻[[cite:{SEED}]][[cite:{SEED}]]{DATA}。" and unknown == ["[9]"]


def test_a_number_is_bound_to_its_period(offline: OfflineAnswerer, toolbox: Toolbox) -> None:
    """A day's +1.60% does not back "this month", a month's +3.80% does not back "today", and the flows of the
    past month (from 2025-12-09) are not month-to-date."""
    move, _ = offline.answer("为什么560500今天上涨？")
    month, _ = offline.answer("560500这个月涨了多少？")
    ev = evidence_of_answer(move, toolbox.lexicon, extra_facts=month.facts)
    zh, en = SentenceChecker(ev, "zh"), SentenceChecker(ev, "en")
    units = "[[cite:fund_etf_scale_sse]]"
    for text in (
        f"560500这个月上涨3.80%{DATA}。",
        f"560500今天上涨1.60%{DATA}。",
        f"2025年12月31日至2026年1月9日，560500上涨3.80%{DATA}。",
        f"Over the past 5 trading days 560500 rose 3.80% {DATA}.",
        f"Over the past month units rose by 16.00 million units {units}.",
        f"On the day units rose by 56,800 units {units}.",
        f"当日份额增加5.68万份{units}。",
    ):
        assert not problems(en if text.isascii() else zh, text), text
    for text in (
        f"560500这个月上涨1.60%{DATA}。",
        f"560500今天上涨3.80%{DATA}。",
        f"2025年12月9日至2026年1月9日，560500上涨3.80%{DATA}。",
        f"This month units rose by 16.00 million units {units}.",
        f"Over the past month units rose by 56,800 units {units}.",
        f"560500 rose 1.60% year to date {DATA}.",
    ):
        found = problems(en if text.isascii() else zh, text)
        assert any("another period" in p for p in found), (text, found)


def test_a_subject_named_in_the_clause_owns_its_number(toolbox: Toolbox) -> None:
    """The 1.5B wrote "The CSI 500 Quality Growth Index (930939) gained 1.60%": the ETF's return, given to the
    index. A subject named in the number's clause, with a figure of that measure, is the only one that backs it."""
    en, zh = checker_for(toolbox, "en"), checker_for(toolbox, "zh")
    for checker, text in (
        (en, f"The CSI 500 Quality Growth Index (930939) gained 1.60% {DATA}."),
        (zh, f"中证500质量成长指数（930939）上涨1.60%{DATA}。"),
    ):
        assert any("another subject" in p for p in problems(checker, text)), text
    assert not problems(en, f"The CSI 500 Quality Growth Index (930939) gained 1.64% {DATA}.")
    assert not problems(
        zh, f"560500上涨1.60%，跟踪的指数（930939）上涨1.64%，跟踪偏差为-0.04个百分点{DATA}。"
    )
