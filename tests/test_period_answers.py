"""A period's return and 'did it beat the index' asked together: each answered once, in the order asked."""

from __future__ import annotations

import pytest

from eval.first import first_sentence


@pytest.mark.parametrize(
    ("q", "beat"),
    [
        ("这周表现咋样，跑赢指数没？", "跑赢了"),
        ("How did 560500 do this week, and did it beat its index?", "It beat"),
    ],
)
def test_week_return_then_whether_it_beat_the_index_each_once(offline, q, beat):
    answer, _ = offline.answer(q)
    facts = {f.name: f for f in answer.facts}
    etf, index, td = (
        facts["etf_period_return_pct"],
        facts["index_period_return_pct"],
        facts["tracking_difference_period_pp"],
    )
    assert td.value == pytest.approx(etf.value - index.value) and td.value > 0
    text = answer.answer
    assert f"{etf.value:.2f}%" in first_sentence(text), text  # the first ask, first
    for shown in (f"{etf.value:.2f}%", f"{index.value:+.2f}%", f"{td.value:+.2f}"):
        assert text.count(shown) == 1, (shown, text)  # once each
    assert text.index(f"{etf.value:.2f}%") < text.index(beat) < text.index(f"{td.value:+.2f}")
