"""Chinese numerals as integers, the one parser for a question's counts (前十大, 第三大) and periods (近十五天)."""

from __future__ import annotations

CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def cn_int(text: str) -> int:
    """ASCII digits, or Chinese numerals up to 99 (五, 十, 十五, 二十, 两) and digit by digit (二零 -> 20).

    A character that is not a digit counts as 0, so odd input ("十十") gives a number instead of an exception:
    the text comes from users and models."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        digits = "".join(str(CN_DIGITS.get(c, 0)) for c in text)
        return int(digits) if digits else 0
    tens, _, ones = text.partition("十")
    return (CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (CN_DIGITS.get(ones, 0) if ones else 0)
