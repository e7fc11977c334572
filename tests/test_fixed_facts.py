"""Methodology facts restated across languages: what a Chinese clause states, said in English, and the reverse;
numbers printed bare so the quoted clause backs them whatever unit it prints."""

from __future__ import annotations

import pytest

from assistant.answer.grounding import check
from assistant.answer.offline.fixed_facts import state

ZH = {
    "count": "300只。",
    "base": "指数以2004年12月31日为基日，以1000点为基点。",
    "rebalancing": "指数样本每半年调整一次，样本调整实施时间分别为每年6月和12月的第二个星期五的下一交易日。",
    "weighting": "指数采用自由流通市值加权，单个样本权重不超过10%，前五大样本权重合计不超过40%。",
}
EN = {
    "count": "100.",
    "base": "2004-12-31, 1000.",
    "rebalancing": "semi-annual, effective the trading day after the second Friday of June and December.",
    "weighting": "per CSI's official methodology; this summary states no formula or cap.",
}


@pytest.mark.parametrize(
    ("aspect", "expected"),
    [
        ("count", "300"),
        ("base", "base date 2004-12-31, base value 1000"),
        (
            "rebalancing",
            "reviewed twice a year, in June and December, effective the trading day after the second Friday",
        ),
        (
            "weighting",
            "free-float market-cap weighted; each constituent capped at 10%; the top five capped at 40% combined",
        ),
    ],
)
def test_chinese_clause_in_english(aspect: str, expected: str) -> None:
    said = state(aspect, ZH[aspect], "en")
    assert said == expected
    assert check(said, [], [ZH[aspect]], []).ok  # every number it states is in the quoted clause


@pytest.mark.parametrize(
    ("aspect", "expected"),
    [
        ("count", "100"),
        ("base", "基日为2004年12月31日，基点为1000"),
        ("rebalancing", "每半年调整一次，于每年六月和十二月第二个星期五的下一交易日实施"),
        ("weighting", "本文件未给出加权公式或权重上限，以官方文件为准"),
    ],
)
def test_english_clause_in_chinese(aspect: str, expected: str) -> None:
    said = state(aspect, EN[aspect], "zh")
    assert said == expected
    assert check(said, [], [EN[aspect]], []).ok


def test_a_clause_without_fixed_facts_states_nothing() -> None:
    assert state("selection", "剔除市盈率为负的证券", "en") is None
    assert state("rebalancing", "参照相关规则处理", "en") is None
