"""Number and date extraction: what counts as a claim that needs a source, and what is only a name."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.answer.numbers import extract, parse_unit

D = dt.date


def only(text: str):
    mentions = extract(text, year=2026)
    assert len(mentions) == 1, mentions
    return mentions[0]


@pytest.mark.parametrize(
    ("text", "value", "unit", "scale", "decimals"),
    [
        ("+1.60%", 1.60, "%", 1, 2),
        ("涨幅1.64％", 1.64, "%", 1, 2),
        ("下跌 2.5 percent", 2.5, "%", 1, 1),
        ("贡献-0.04 个百分点", 0.04, "pp", 1, 2),
        ("0.35pp", 0.35, "pp", 1, 2),
        ("0.35 pp", 0.35, "pp", 1, 2),
        ("0.5 percentage points", 0.5, "pp", 1, 1),
        ("premium of 12 bp", 12, "pp", 0.01, 0),
        ("5266万元", 5266, "元", 1e4, 0),
        ("5,266.00万元", 5266, "元", 1e4, 2),
        ("52.66 million yuan", 52.66, "元", 1e6, 2),
        ("RMB 52.66 million", 52.66, "元", 1e6, 2),
        ("0.52亿元", 0.52, "元", 1e8, 2),
        ("1.234元", 1.234, "元", 1, 3),
        ("¥1.234", 1.234, "元", 1, 3),
        ("1600万份", 1600, "份", 1e4, 0),
        ("16 million units", 16, "份", 1e6, 0),
        ("16m units", 16, "份", 1e6, 0),
        ("3,000", 3000, None, 1, 0),
        ("3bn", 3, None, 1e9, 0),
        ("收于5,123.45点", 5123.45, "points", 1, 2),
        ("5只成分股", 5, "count", 1, 0),
        ("over 5 trading days", 5, "count", 1, 0),
        ("近1月", 1, "count", 1, 0),
    ],
)
def test_amounts(text, value, unit, scale, decimals):
    m = only(text)
    assert (m.value, m.unit, m.scale, m.decimals) == (pytest.approx(value), unit, scale, decimals)
    assert text[m.start : m.end] == m.surface


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("2026-01-09", D(2026, 1, 9), "ymd"),
        ("as of 2026-01-09T15:00:00+08:00.", D(2026, 1, 9), "ymd"),
        ("截至2026-01-09 15:00", D(2026, 1, 9), "ymd"),
        ("2026年1月9日", D(2026, 1, 9), "ymd"),
        ("20260109", D(2026, 1, 9), "ymd"),
        ("1月9日收盘", D(2026, 1, 9), "md"),
        ("on January 9, 2026", D(2026, 1, 9), "ymd"),
        ("on 9 Jan 2026", D(2026, 1, 9), "ymd"),
        ("on Jan 9", D(2026, 1, 9), "md"),
        ("2025年12月", D(2025, 12, 1), "ym"),
        ("in 2025", D(2025, 1, 1), "y"),
    ],
)
def test_dates(text, value, precision):
    m = only(text)
    assert (m.unit, m.value, m.precision) == ("date", value, precision)


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("前十大权重股", 10),
        ("前10大成分股", 10),
        ("前5只", 5),
        ("十大权重股合计", 10),
        ("第三大权重股", 3),
        ("the top 10 holdings", 10),
        ("top ten", 10),
        ("its 3rd largest", 3),
    ],
)
def test_counts(text, count):
    m = only(text)
    assert (m.unit, m.value) == ("count", count)


@pytest.mark.parametrize(
    "text",
    [
        "见[1][2]。",
        "see [1, 2]",
        "[[cite:sina-20260109-560500]]",
        "560500",
        "sh560500",
        "560500.SH",
        "600549（北方稀土）",
        "中证500",
        "沪深300ETF",
        "CSI 500",
        "CSI 300 index",
        "上证50",
        "科创50",
        "中证1000",
        "中证A500",
        "500ETF",
        "T+1",
        "AKShare 1.19.5",
        "15:00收盘",
        "北京时间9点30分",
        "https://example.com/a/2026/123",
        "1. 首先\n2. 其次",
        "(1) 估值",
        "`fund_etf_hist_em`",
    ],
)
def test_not_numbers(text):
    assert extract(text) == []


def test_yearless_dates_take_the_year_of_the_text():
    mentions = extract("2025年1月5日至1月9日")
    assert [(m.value, m.precision) for m in mentions] == [(D(2025, 1, 5), "ymd"), (D(2025, 1, 9), "md")]
    assert extract("1月9日", year=2026)[0].value == D(2026, 1, 9)


def test_range_shares_its_unit():
    low, high = extract("涨幅在1.5-2%之间")
    assert (low.unit, high.unit) == ("%", "%")


def test_analyst_paragraph_zh():
    text = (
        "**560500** 今天上涨 +1.60%（2026-01-09 15:00），跑赢中证500指数[1]。前十大权重股中，"
        "600549 贡献 0.35 个百分点[2]；份额较前一交易日增加 1600万份，约 5266万元[3]。"
    )
    assert [(m.surface, m.unit) for m in extract(text)] == [
        ("+1.60%", "%"),
        ("2026-01-09 15:00", "date"),
        ("前十大", "count"),
        ("0.35 个百分点", "pp"),
        ("1600万份", "份"),
        ("5266万元", "元"),
    ]


def test_analyst_paragraph_en():
    text = (
        "The CSI 500 ETF (560500) rose 1.60% on Jan 9, 2026 [1], while units grew by 16 million "
        "(about RMB 52.66 million) [2]. Northern Rare Earth (600549) added 0.35pp."
    )
    assert [(m.surface, m.unit) for m in extract(text)] == [
        ("1.60%", "%"),
        ("Jan 9, 2026", "date"),
        ("16 million", None),
        ("RMB 52.66 million", "元"),
        ("0.35pp", "pp"),
    ]


@pytest.mark.parametrize(
    ("unit", "parsed"),
    [
        ("%", ("%", 1)),
        ("pp", ("pp", 1)),
        ("元", ("元", 1)),
        ("元/份", ("元", 1)),
        ("亿元", ("元", 1e8)),
        ("万份", ("份", 1e4)),
        ("份", ("份", 1)),
        ("count", ("count", 1)),
        ("bp", ("pp", 0.01)),
        ("", (None, 1)),
        ("furlongs", None),
    ],
)
def test_parse_unit(unit, parsed):
    assert parse_unit(unit) == parsed
