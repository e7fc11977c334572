"""Grounding: every number an answer states must be backed by a fact or by a passage it cites."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.answer.grounding import check, unsupported_rate
from assistant.answer.schema import Fact

DAY = dt.date(2026, 1, 9)


def fact(name: str, subject: str, value: float, unit: str, as_of: str = "2026-01-09") -> Fact:
    return Fact(name=name, subject=subject, value=value, unit=unit, as_of=as_of, source="test")


FACTS = [
    fact("etf_return_pct", "560500", 1.6021, "%"),
    fact("index_return_pct", "930939", 1.6432, "%"),
    fact("constituent_contribution_pp", "600549", 0.3512, "pp"),
    fact("constituent_contribution_pp", "601899", -0.0412, "pp"),
    fact("etf_units_change", "560500", 16_000_000, "份"),
    fact("etf_inflow_estimate", "560500", 52_660_000, "元"),
    fact("etf_close", "560500", 1.2341, "元/份"),
    fact("top_constituents_count", "930939", 10, "count"),
]
ARTICLE = "新浪财经：560500当日获资金净流入5266万元，北方稀土涨停。"


def unsupported(text: str, passages: tuple[str, ...] = ()) -> list[str]:
    return [m.surface for m in check(text, FACTS, passages, [DAY]).unsupported]


GOOD_ZH = (
    "560500 于2026年1月9日上涨 +1.60%，收于 1.234 元，跑赢其跟踪指数（+1.64%）[1]。前十大权重股中，"
    "600549 贡献 0.35 个百分点，601899 拖累 -0.04 个百分点[2]。份额增加 1600万份，"
    "按收盘价约合 5266万元（0.53亿元）[3]。"
)
GOOD_EN = (
    "The CSI 500 ETF (560500) rose 1.60% on January 9, 2026, against 1.64% for its index [1]. "
    "Northern Rare Earth (600549) added 0.35 percentage points; Zijin (601899) took off 0.04pp [2]. "
    "Units grew by 16 million units, roughly 52.66 million yuan [3]. Of the top 10 holdings ..."
)


@pytest.mark.parametrize("text", [GOOD_ZH, GOOD_EN])
def test_a_good_answer_passes(text):
    report = check(text, FACTS, [], [DAY])
    assert report.ok, report.unsupported
    assert report.total > 5 and report.unsupported_rate == 0.0


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("560500今天涨了3.2%[1]。", "3.2%"),
        ("The ETF rallied +50% today.", "+50%"),
        ("指数上涨1.61%。", "1.61%"),  # rounding: 1.6432 -> 1.64, not 1.61
        ("贡献0.36个百分点", "0.36个百分点"),
        ("份额增加5266万份", "5266万份"),  # a 元 amount written as units
        ("份额增加1600万元", "1600万元"),  # a 份 amount written as money
        ("contributed 1.60pp", "1.60pp"),  # a % fact does not back a pp claim
        ("contributed 0.35%", "0.35%"),  # nor a pp fact a % claim
        ("前五大权重股", "前五大"),  # no count fact of 5
        ("2026年1月8日的数据", "2026年1月8日"),
        ("0.52亿元", "0.52亿元"),  # 0.5266亿 rounds to 0.53, not 0.52
    ],
)
def test_invented_or_wrong_numbers_are_caught(text, bad):
    assert unsupported(text) == [bad]


@pytest.mark.parametrize(
    "text",
    [
        "涨幅1.60%",
        "涨幅1.6%",
        "涨幅2%",
        "rose 1.602%",
        "5266万元",
        "5,266.00万元",
        "52.66 million yuan",
        "RMB 53 million",
        "0.53亿元",
        "1600万份",
        "16 million units",
        "0.16亿份",
        "收盘价1.234元",
        "贡献-0.04个百分点",
        "4个基点",
        "前10大",
        "十大权重股",
        "2026-01-09T15:00:00+08:00",
        "1月9日",
    ],
)
def test_rounding_and_unit_conversions(text):
    assert unsupported(text) == []


def test_cited_passage_backs_its_numbers():
    text = "据报道，当日资金净流入5266万元，北方稀土涨停[1]。另有消息称流入8000万元。"
    only_fact_free = [f for f in FACTS if f.name != "etf_inflow_estimate"]
    report = check(text, only_fact_free, [ARTICLE], [DAY])
    assert [m.surface for m in report.unsupported] == ["8000万元"]
    assert report.supported[0][1].startswith("passage 1")
    assert check("inflow of 52.66 million yuan", [], [ARTICLE]).ok  # same amount, other language


def test_dates_from_passages_and_data_dates():
    assert check("2026年1月8日晚间公告[1]", [], ["公告发布于2026-01-08 20:00"]).ok
    assert not check("2026年1月7日", [], ["公告发布于2026-01-08 20:00"], [DAY]).ok
    assert check("since 2025-12-09", [], [], [DAY, dt.date(2025, 12, 9)]).ok


def test_markers_codes_and_index_names_are_not_claims():
    text = "沪深300与中证500（930939）[1][2]；sh560500、600549.SH，CSI 1000 [3]"
    report = check(text, [], [], [])
    assert report.total == 0 and unsupported_rate(text, [], []) == 0.0


def test_unsupported_rate_counts_mentions():
    assert unsupported_rate("涨1.60%，又涨9.99%", FACTS, [], [DAY]) == pytest.approx(0.5)
