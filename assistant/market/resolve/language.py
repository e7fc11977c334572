"""The one language detector of the product: a question's answer language, a passage's or a chunk's language."""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["zh", "en"]

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_NOT_WORDS = {
    "etf",
    "lof",
    "sh",
    "sz",
    "csi",
    "sse",
    "szse",
    "st",
    "iopv",
}  # tickers and jargon inside Chinese


def detect_language(text: str, default: Language = "zh") -> Language:
    """ "zh" or "en" by comparing Chinese characters with Latin words.

    A Chinese character carries about half an English word, so "Why did 厦门钨业 rise?" (2 vs 3) is English
    and "为什么Western Mining今天涨了" (3.5 vs 2) is Chinese. Tickers like ETF or SH do not count as English.
    Text with neither (a bare code) gets `default`.
    """
    cjk = len(_CJK.findall(text)) / 2
    latin = sum(1 for w in _LATIN_WORD.findall(text) if w.lower() not in _NOT_WORDS)
    if cjk == 0 and latin == 0:
        return default
    return "zh" if cjk >= latin else "en"
