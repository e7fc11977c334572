"""Phrases the scorers recognise in an answer: a refusal ("no data", "cannot answer") and a named entity (a code
on digit boundaries, an English name on word boundaries). Shared by eval.scorers and eval.first."""

from __future__ import annotations

import re

ABSTAIN_PATTERNS = [
    r"没有(?:找到|查到|记录|收录|相关|可用|该|这)?[^。\n]{0,12}(?:数据|行情|信息|资料|记录)",
    r"(?:无|暂无|缺少|未找到|找不到|查不到|未收录|不在)[^。\n]{0,12}(?:数据|行情|信息|资料|记录|范围|列表|之中|中)",
    r"无法(?:回答|确定|提供|给出|解释|计算|判断)",
    r"不是交易日|非交易日|休市",
    r"\bno (?:data|record|bar|information|quote|news|relevant)",
    r"\bnot (?:a trading day|in (?:this|the) (?:data|snapshot|universe))",
    r"\bcannot (?:answer|be (?:answered|explained)|find|explain)",
    r"\bcan(?:'|no)t answer",
    r"\bunknown (?:etf|code|fund)",
    r"未披露|\bnot disclosed",
    r"\bisn't (?:recorded|covered)|\bis not (?:recorded|covered|available)",
    r"\bnothing relevant",
]
ABSTAIN = re.compile("|".join(ABSTAIN_PATTERNS), re.IGNORECASE)


def named(text: str, alias: str) -> bool:
    a = alias.strip()
    if not a:
        return False
    if re.fullmatch(r"[\d.,-]+", a):  # codes and numbers: not inside a longer digit run
        return re.search(rf"(?<!\d){a}(?!\d)", text) is not None
    if a.isascii():
        return re.search(rf"(?<![A-Za-z]){re.escape(a)}(?![A-Za-z])", text, re.IGNORECASE) is not None
    return a in text


__all__ = ["ABSTAIN", "ABSTAIN_PATTERNS", "named"]
