"""A methodology point in the other language: the fixed facts of a clause (constituent count, base date and value,
rebalancing frequency and months, weight caps) stated in the answer's language, so an English question over a
Chinese-only methodology (or the reverse) is answered in its own language; the clause itself is quoted as is.

Why extraction rather than translation: measured on the three-ETF eval snapshot, the hybrid retriever already
finds the right document across languages (multilingual embeddings plus the symbol filter), so retrieval needs
no query translation; what was wrong was the answer's language. These facts have fixed forms in CSI documents,
and every number stated comes from the quoted clause, so the grounding check backs it."""

from __future__ import annotations

import re

_MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
LABELS = {
    "zh": {
        "universe": "样本空间",
        "selection": "选样方法",
        "count": "样本数量",
        "weighting": "加权方式",
        "rebalancing": "定期调整",
        "base": "基日与基点",
    },
    "en": {
        "universe": "Universe",
        "selection": "Selection",
        "count": "Number of constituents",
        "weighting": "Weighting",
        "rebalancing": "Rebalancing",
        "base": "Base date and value",
    },
}


def state(aspect: str, text: str, lang: str) -> str | None:
    """The clause's fixed facts in `lang` ('zh' or 'en'), or None when it states none this module reads."""
    return _STATERS.get(aspect, lambda _t, _l: None)(text, lang)


def _count(text: str, lang: str) -> str | None:
    m = (
        re.search(r"(\d+)\s*只", text)
        or re.search(r"constituents?\D{0,12}(\d+)", text, re.I)
        or re.fullmatch(r"\s*(\d+)\s*[.。]?\s*", text)  # the clause under its heading: "100."
    )
    if m is None:
        return None
    return m.group(1)  # bare, as the label names it: a unit the source does not print would not be backed


def _base(text: str, lang: str) -> str | None:
    zh = re.search(r"(\d{4})年(\d{1,2})月(\d{1,2})日为基日.{0,6}?(\d+(?:\.\d+)?)点为基点", text)
    en = re.search(r"(\d{4})-(\d{2})-(\d{2})\D{1,6}(\d+(?:\.\d+)?)", text)
    m = zh or en
    if m is None:
        return None
    y, mo, d, value = int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4)
    if lang == "zh":
        return f"基日为{y}年{mo}月{d}日，基点为{value}"
    return f"base date {y:04d}-{mo:02d}-{d:02d}, base value {value}"


def _rebalancing(text: str, lang: str) -> str | None:
    low = text.lower()
    freq = (
        "semi-annual"
        if re.search(r"每半年|半年|semi-?annual", low)
        else "quarterly"
        if re.search(r"每季度|季度|quarter", low)
        else "annual"
        if re.search(r"每年一次|annual", low)
        else None
    )
    months = [int(n) for n in re.findall(r"(\d{1,2})月", text)] or [
        i + 1 for i, name in enumerate(_MONTHS_EN) if name.lower() in low
    ]
    friday = bool(re.search(r"第二个星期五的下一交易日|trading day after the second friday", low))
    if freq is None and not months:
        return None
    if lang == "zh":
        head = {"semi-annual": "每半年调整一次", "quarterly": "每季度调整一次", "annual": "每年调整一次"}.get(
            freq or "", "定期调整"
        )
        when = "和".join(_MONTHS_ZH[m - 1] for m in months)
        return (
            head + (f"，于每年{when}" if months else "") + ("第二个星期五的下一交易日实施" if friday else "")
        )
    head = {"semi-annual": "twice a year", "quarterly": "every quarter", "annual": "once a year"}.get(
        freq or "", "periodically"
    )
    when = " and ".join(_MONTHS_EN[m - 1] for m in months)
    return (
        f"reviewed {head}"
        + (f", in {when}" if months else "")
        + (", effective the trading day after the second Friday" if friday else "")
    )


_MONTHS_ZH = [
    "一月",
    "二月",
    "三月",
    "四月",
    "五月",
    "六月",
    "七月",
    "八月",
    "九月",
    "十月",
    "十一月",
    "十二月",
]


def _weighting(text: str, lang: str) -> str | None:
    single = re.search(
        r"单个样本权重不超过\s*(\d+(?:\.\d+)?)%|(?:single|each)[^.;]{0,40}?(\d+(?:\.\d+)?)%", text, re.I
    )
    top = re.search(
        r"前五大样本权重合计不超过\s*(\d+(?:\.\d+)?)%|top (?:five|5)[^.;]{0,40}?(\d+(?:\.\d+)?)%", text, re.I
    )
    free_float = bool(re.search(r"自由流通市值加权|free[- ]float", text, re.I))
    no_cap = bool(re.search(r"以官方文件为准|不对加权公式或权重上限|states no formula or cap", text, re.I))
    parts: list[str] = []
    if free_float:
        parts.append("自由流通市值加权" if lang == "zh" else "free-float market-cap weighted")
    if single:
        cap = single.group(1) or single.group(2)
        parts.append(f"单个样本权重上限{cap}%" if lang == "zh" else f"each constituent capped at {cap}%")
    if top:
        cap = top.group(1) or top.group(2)
        parts.append(
            f"前五大样本合计上限{cap}%" if lang == "zh" else f"the top five capped at {cap}% combined"
        )
    if not parts and no_cap:
        parts.append(
            "本文件未给出加权公式或权重上限，以官方文件为准"
            if lang == "zh"
            else "this document states no formula or weight cap (the official document governs)"
        )
    return ("，" if lang == "zh" else "; ").join(parts) or None


_STATERS = {"count": _count, "base": _base, "rebalancing": _rebalancing, "weighting": _weighting}
