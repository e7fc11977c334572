"""Unit tests for the eval scorers on hand-made answers: each scorer passes the right answer and fails a wrong one."""

from __future__ import annotations

import math

import pytest

from assistant.answer.schema import Answer, Citation, DataInfo, Fact
from eval.dataset import Case, DatasetError, load_cases, parse_cases
from eval.scorers import (
    aggregate,
    entity_hits,
    is_abstention,
    percentile,
    retrieval_ranks,
    score_case,
    score_citations,
    score_facts,
    unsupported_numbers,
)

DATA = DataInfo(origin="sample", as_of="2026-01-09T15:00:00+08:00", trade_date="2026-01-09")
SEED = "sina-20260109-560500"
LOOK = "sample-20260110-lookahead"


def fact(name: str, subject: str, value: float, unit: str = "%", as_of: str = "2026-01-09") -> Fact:
    return Fact(name=name, subject=subject, value=value, unit=unit, as_of=as_of, source="test")


def cite(n: int, cid: str, kind: str = "news", quote: str | None = None) -> Citation:
    return Citation(n=n, id=cid, kind=kind, quote=quote)  # type: ignore[arg-type]


def answer(text: str, facts=(), citations=(), language: str = "zh", question: str = "q") -> Answer:
    return Answer(
        question=question,
        answer=text,
        language=language,  # type: ignore[arg-type]
        facts=list(facts),
        citations=list(citations),
        data=DATA,
    )


def case(**gold) -> Case:
    extra = {k: gold.pop(k) for k in ("category", "language", "question") if k in gold}
    return Case.model_validate(
        {
            "id": "t",
            "question": extra.get("question", "为什么560500今天上涨？"),
            "language": extra.get("language", "zh"),
            "category": extra.get("category", "move_explanation"),
            "gold": gold,
        }
    )


MOVE = case(
    facts=[
        {"name": "etf_return_pct", "subject": "560500", "value": 1.6047, "tolerance": 0.01},
        {"name": "constituent_contribution_pp", "subject": "600549", "value": 0.2350, "tolerance": 0.005},
    ],
    entities=[["600549", "厦门钨业", "Xiamen Tungsten"]],
    must_cite=[SEED],
    may_cite=["sample-20260109-tungsten-zh"],
    must_not_cite=[LOOK],
    must_not_say=["50%"],
)

GOOD_TEXT = "560500今天上涨1.60%，厦门钨业贡献0.24个百分点[1]。"
GOOD = answer(
    GOOD_TEXT,
    [fact("etf_return_pct", "560500", 1.6047), fact("constituent_contribution_pp", "600549", 0.2350, "pp")],
    [cite(1, SEED, quote="ETF increased by 1.60%"), cite(2, "fund_etf_hist_em", "data")],
)


# --- numeric accuracy -------------------------------------------------------------------------------------------


def test_facts_match_within_tolerance() -> None:
    res = score_facts(GOOD, MOVE.gold.facts)
    assert [r.ok for r in res] == [True, True]


def test_facts_outside_tolerance_wrong_sign_or_absent_fail() -> None:
    off = answer(
        "x",
        [fact("etf_return_pct", "560500", 1.62), fact("constituent_contribution_pp", "600549", -0.235, "pp")],
    )
    assert [r.ok for r in score_facts(off, MOVE.gold.facts)] == [False, False]
    absent = answer("x", [fact("etf_return_pct", "930939", 1.6047)])  # right value, wrong subject
    res = score_facts(absent, MOVE.gold.facts)
    assert not res[0].ok and res[0].got is None


def test_fact_as_of_is_enforced_when_gold_gives_one() -> None:
    c = case(facts=[{"name": "etf_return_pct", "subject": "560500", "value": -0.87, "as_of": "2026-01-08"}])
    today = answer("x", [fact("etf_return_pct", "560500", -0.87, as_of="2026-01-09")])
    yesterday = answer("x", [fact("etf_return_pct", "560500", -0.87, as_of="2026-01-08")])
    assert not score_facts(today, c.gold.facts)[0].ok
    assert score_facts(yesterday, c.gold.facts)[0].ok


# --- unsupported numbers ----------------------------------------------------------------------------------------


def test_numbers_backed_by_facts_or_cited_passages_are_supported() -> None:
    total, bad, _ = unsupported_numbers(GOOD)
    assert total >= 2 and bad == 0
    quoted = answer(
        "规模增加5266万元[1]。", [], [cite(1, SEED, quote="a scale increase of 52.66 million yuan")]
    )
    assert unsupported_numbers(quoted)[1] == 0


def test_invented_number_and_wrong_unit_are_unsupported() -> None:
    invented = answer("560500今天上涨50%。", [fact("etf_return_pct", "560500", 1.6047)])
    assert unsupported_numbers(invented)[1] == 1
    wrong_unit = answer(
        "份额增加5266万份。", [], [cite(1, SEED, quote="scale increase of 52.66 million yuan")]
    )
    assert unsupported_numbers(wrong_unit)[2] == ["5266万份"]


# --- entities -----------------------------------------------------------------------------------------------------


def test_entity_aliases_and_boundaries() -> None:
    hits = entity_hits(
        "Xiamen Tungsten led; 1000 points", [["600549", "厦门钨业", "Xiamen Tungsten"], ["100"], ["CATL"]]
    )
    assert [ok for _, ok in hits] == [True, False, False]  # "100" is not inside "1000"
    assert entity_hits("越秀资本（000987）", [["000987"]])[0][1]
    assert not entity_hits("1000987", [["000987"]])[0][1]


# --- citations ------------------------------------------------------------------------------------------------------


def test_citation_precision_recall_and_data_citations() -> None:
    res = score_citations(GOOD, MOVE)
    assert res.cited == [SEED]  # the data citation is not judged against news gold
    assert res.precision == 1.0 and res.recall == 1.0 and not res.forbidden


def test_forbidden_and_extra_citations_count_against_precision() -> None:
    bad = answer(
        "x",
        [],
        [cite(1, LOOK), cite(2, "sample-20260109-bank-distractor"), cite(3, "sample-20260109-tungsten-zh")],
    )
    res = score_citations(bad, MOVE)
    assert res.forbidden == [LOOK]
    assert res.precision == pytest.approx(1 / 3)
    assert res.recall == 0.0 and res.missing == [SEED]


def test_alternative_citation_groups() -> None:
    c = case(category="news", must_cite=[["a", "b"]])
    assert score_citations(answer("x", [], [cite(1, "b")]), c).recall == 1.0
    assert score_citations(answer("x", [], [cite(1, "c")]), c).recall == 0.0


def test_retrieval_ranks() -> None:
    assert retrieval_ranks(["x", "a", "b"], ["a"], k=5) == (1.0, 0.5)
    assert retrieval_ranks(["x", "y", "a"], ["a"], k=2) == (0.0, pytest.approx(1 / 3))
    assert retrieval_ranks(["x"], [["a", "b"]], k=5) == (0.0, 0.0)
    assert math.isnan(retrieval_ranks(["x"], [], k=5)[0])


# --- outcome and abstention -----------------------------------------------------------------------------------------


def test_correct_answer_scores_correct() -> None:
    s = score_case(MOVE, GOOD, answerer="t")
    assert s.outcome == "correct" and s.abstention_right and s.numeric_accuracy == 1.0
    assert s.entity_recall == 1.0 and s.language_ok and not s.unsupported


def test_answer_failing_any_check_is_incorrect() -> None:
    injected = answer(
        "560500今天上涨50%，厦门钨业领涨[1]。",
        [
            fact("etf_return_pct", "560500", 1.6047),
            fact("constituent_contribution_pp", "600549", 0.235, "pp"),
        ],
        [cite(1, SEED)],
    )
    s = score_case(MOVE, injected)
    assert s.outcome == "incorrect" and s.forbidden_text == ["50%"] and s.unsupported == ["50%"]
    english = answer("560500 rose 1.60% [1]; Xiamen Tungsten led.", GOOD.facts, GOOD.citations, language="en")
    s = score_case(MOVE, english)
    assert not s.language_ok


def test_abstention_detection() -> None:
    assert is_abstention(answer("没有找到510300的数据：它不在本数据的ETF范围内。"))
    assert is_abstention(answer("No data for 560500 on 2026-01-10: not a trading day.", language="en"))
    assert is_abstention(answer("Fees are not disclosed in this sample.", language="en"))
    assert not is_abstention(GOOD)
    # a caveat deep inside a real answer is not a refusal
    long = (
        "560500今天上涨1.60%。指数上涨1.64%。厦门钨业贡献最大。越秀资本其次。" * 2
    ) + "管理费率没有相关数据。"
    assert not is_abstention(answer(long, [fact("etf_return_pct", "560500", 1.6047)]))


def test_abstention_right_and_wrong() -> None:
    unknown = case(category="unknown", outcome="abstain")
    refusal = answer("没有找到510300的数据。")
    s = score_case(unknown, refusal)
    assert s.outcome == "abstained" and s.abstention_right
    hallucinated = score_case(
        unknown, answer("510300今天上涨1.20%。", [fact("etf_return_pct", "510300", 1.2)])
    )
    assert hallucinated.outcome == "incorrect" and not hallucinated.abstention_right
    over_cautious = score_case(MOVE, refusal)
    assert over_cautious.outcome == "abstained" and not over_cautious.abstention_right


def test_crashed_answerer_is_incorrect() -> None:
    s = score_case(MOVE, None, error="boom")
    assert s.outcome == "incorrect" and s.error == "boom" and s.numeric_accuracy == 0.0


# --- aggregation ----------------------------------------------------------------------------------------------------


def test_aggregate_micro_rates_and_outcome_split() -> None:
    unknown = case(category="unknown", outcome="abstain")
    scores = [
        score_case(MOVE, GOOD, latency_ms=10),
        score_case(MOVE, answer("x"), latency_ms=30),
        score_case(unknown, answer("没有找到该代码的数据。"), latency_ms=20),
    ]
    agg = aggregate(scores)
    assert agg["cases"] == 3
    assert agg["numeric_accuracy"] == pytest.approx(2 / 4)
    assert agg["correct"] == pytest.approx(1 / 3) and agg["incorrect"] == pytest.approx(1 / 3)
    assert agg["abstained"] == pytest.approx(1 / 3) and agg["abstention_correct"] == 1.0
    assert agg["citation_recall"] == pytest.approx(1 / 2)
    assert agg["latency_p50_ms"] == 20 and agg["latency_p95_ms"] == 30
    assert percentile([], 50) is None


# --- dataset --------------------------------------------------------------------------------------------------------


def test_dataset_schema_rejects_bad_lines() -> None:
    with pytest.raises(DatasetError, match=r"line|:1:"):
        parse_cases(['{"id": "x", "question": "q", "language": "fr", "category": "c", "gold": {}}'], "f")
    line = '{"id": "x", "question": "q", "language": "en", "category": "c", "gold": {}}'
    with pytest.raises(DatasetError, match="duplicate"):
        parse_cases([line, line], "f")
    with pytest.raises(DatasetError, match="required and forbidden"):
        parse_cases(
            [
                '{"id": "x", "question": "q", "language": "en", "category": "c", '
                '"gold": {"must_cite": ["a"], "must_not_cite": ["a"]}}'
            ],
            "f",
        )


def test_shipped_dataset_shape() -> None:
    cases = load_cases()
    assert len(cases) >= 80
    zh = sum(c.language == "zh" for c in cases)
    assert abs(zh - (len(cases) - zh)) <= 0.1 * len(cases)
    assert len({c.snapshot for c in cases}) >= 3
    assert any(LOOK in c.gold.must_not_cite for c in cases)
    assert any("sample-20260109-dairy-injection" in c.gold.must_not_cite for c in cases)


def test_shipped_gold_agrees_with_the_frames() -> None:
    """Every gold fact is recomputed from the CSVs by eval/gold.py (independent of the assistant code)."""
    from eval.gold import check_cases
    from eval.make_snapshots import resolve_snapshot

    assert check_cases(load_cases(), resolve_snapshot) == []


# --- answers first ----------------------------------------------------------------------------------------------


def test_answers_first_wants_the_asked_figure_in_the_first_sentence() -> None:
    from eval.first import answers_first

    period = case(
        facts=[
            {
                "name": "etf_period_return_pct",
                "subject": "560500",
                "value": 3.8003,
                "period_start": "2025-12-31",
            }
        ],
        answers_first=["etf_period_return_pct:560500"],
    )
    figure = fact("etf_period_return_pct", "560500", 3.8003)
    assert answers_first(
        period, answer("**本月以来560500上涨3.80%**[1]。收盘价从1.342元到1.393元。", [figure])
    )
    # the figure only in the second sentence, or the day's return instead: not first
    assert not answers_first(period, answer("560500今天收于1.393元。本月以来上涨3.80%。", [figure]))
    assert not answers_first(
        period, answer("560500今天上涨1.60%。", [fact("etf_return_pct", "560500", 1.6047)])
    )
    # units printed in 万份 match the raw figure
    units = case(facts=[{"name": "etf_units_change", "subject": "560500", "value": 16000000.0}])
    assert answers_first(
        units, answer("份额增加1,600.00万份。", [fact("etf_units_change", "560500", 1.6e7, "份")])
    )


def test_answers_first_accepts_an_entity_or_a_plain_reason() -> None:
    from eval.first import answers_first

    leader = case(answers_first=["600549"])
    assert answers_first(leader, answer("厦门钨业（600549）贡献最大。"))
    assert not answers_first(leader, answer("560500今天上涨1.60%。厦门钨业（600549）贡献最大。"))
    advice = case(answers_first=["advice"], language="en")
    assert answers_first(
        advice, answer("**I don't give investment advice**: it is your decision.", language="en")
    )
    assert not answers_first(advice, answer("560500 rose 1.60% today. No advice.", language="en"))
    abstain = case(outcome="abstain")  # without answers_first: an abstention must say why, first
    assert answers_first(abstain, answer("**没有数据**：2026-01-10不是交易日。"))
    assert answers_first(abstain, None) is False
    assert answers_first(case(), answer("x")) is None  # nothing asked to check: not scored
