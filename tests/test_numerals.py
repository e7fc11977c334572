"""Chinese numerals: one parser for counts (前十大) and periods (近十五天); odd input gives a number, not a crash."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.answer.numbers import extract
from assistant.market.resolve.numerals import cn_int


@pytest.mark.parametrize(
    ("text", "value"),
    [("五", 5), ("两", 2), ("十", 10), ("十五", 15), ("二十", 20), ("二十五", 25), ("二零", 20), ("15", 15)],
)
def test_cn_int(text: str, value: int) -> None:
    assert cn_int(text) == value


def test_odd_numerals_in_a_question_are_read_not_raised() -> None:
    # "前十十大" crashed the offline answerer with KeyError('十') before numbers and dates shared this parser
    assert [(m.value, m.unit) for m in extract("560500前十十大贡献是谁？")] == [(10.0, "count")]
    assert cn_int("十十") == 10 and cn_int("") == 0


def test_a_period_in_chinese_numerals_is_the_one_in_digits() -> None:
    from assistant.market.resolve import resolve_period

    trade_date = dt.date(2026, 1, 9)
    days = sorted(d for i in range(60) if (d := trade_date - dt.timedelta(days=i)).weekday() < 5)
    zh, digits = resolve_period("近十五天", trade_date, days), resolve_period("近15天", trade_date, days)
    assert zh is not None and digits is not None
    assert (zh.start, zh.end) == (digits.start, digits.end) and zh.start < zh.end
