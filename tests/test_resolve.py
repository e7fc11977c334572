"""Resolution of what the user typed: entities, dates, periods, language."""

from __future__ import annotations

import datetime as dt
import time
from typing import NoReturn

import pandas as pd
import pytest

from assistant.errors import NotFoundError
from assistant.market.model import SourceInfo
from assistant.market.resolve import (
    FALLBACK_HOLIDAYS,
    Lexicon,
    Period,
    TradingCalendar,
    detect_language,
    resolve_date,
    resolve_entities,
    resolve_period,
)

D = dt.date
CONSTITUENTS = [
    ("600549", "厦门钨业", "Xiamen Tungsten"),
    ("601168", "西部矿业", "Western Mining Co., Ltd."),
    ("000987", "越秀资本", "Yuexiu Capital"),
    ("002558", "巨人网络", "Giant Network Group Co Ltd"),
]


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return Lexicon.build(None, constituents=CONSTITUENTS)


def found(lex: Lexicon, text: str) -> list[tuple[str, str, str]]:
    return [(e.kind, e.code, e.surface) for e in lex.resolve(text)]


# ---------------------------------------------------------------------------------------------- entities


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # aliases of 560500, longest first
        ("500质量今天为什么涨？", [("etf", "560500", "500质量")]),
        ("500质量成长ETF的份额", [("etf", "560500", "500质量成长ETF")]),
        ("鹏扬中证500质量成长ETF怎么样", [("etf", "560500", "鹏扬中证500质量成长ETF")]),
        ("500质量成长ETF鹏扬", [("etf", "560500", "500质量成长ETF鹏扬")]),
        (
            "鹏扬中证500质量成长交易型开放式指数证券投资基金",
            [("etf", "560500", "鹏扬中证500质量成长交易型开放式指数证券投资基金")],
        ),
        ("中证500质量成长ETF", [("etf", "560500", "500质量成长ETF")]),  # the ETF, not the index + "ETF"
        ("500质量成长etf", [("etf", "560500", "500质量成长etf")]),
        ("CSI 500 Quality Growth ETF flows", [("etf", "560500", "CSI 500 Quality Growth ETF")]),
        # indices
        ("中证500质量成长指数的成分股", [("index", "930939", "中证500质量成长指数")]),
        ("中证500质量成长", [("index", "930939", "中证500质量成长")]),
        (
            "how did the CSI 500 Quality Growth index do",
            [("index", "930939", "CSI 500 Quality Growth index")],
        ),
        ("csi 500 quality growth", [("index", "930939", "csi 500 quality growth")]),
        ("沪深300和中证500", [("index", "000300", "沪深300"), ("index", "000905", "中证500")]),
        ("CSI500", [("index", "000905", "CSI500")]),
        # other registry ETFs: longest wins over a contained alias
        ("中证500ETF", [("etf", "510500", "中证500ETF")]),
        ("中证500成长ETF", [("etf", "159606", "中证500成长ETF")]),
        ("500成长", [("etf", "562340", "500成长")]),
        # constituents, Chinese and English (case-insensitive, suffixes like Co., Ltd. optional)
        ("厦门钨业和西部矿业", [("stock", "600549", "厦门钨业"), ("stock", "601168", "西部矿业")]),
        ("Why did Western Mining rise?", [("stock", "601168", "Western Mining")]),
        ("western  mining co., ltd.", [("stock", "601168", "western  mining co., ltd.")]),
        (
            "XIAMEN TUNGSTEN and Giant Network",
            [("stock", "600549", "XIAMEN TUNGSTEN"), ("stock", "002558", "Giant Network")],
        ),
        ("越秀资本 Yuexiu Capital", [("stock", "000987", "越秀资本"), ("stock", "000987", "Yuexiu Capital")]),
        ("巨人网络", [("stock", "002558", "巨人网络")]),
        # English names need word boundaries
        ("SouthWestern Mining", []),
        ("Western Miningco", []),
        ("1500质量", []),
        # codes and their forms
        ("560500今天涨了多少", [("etf", "560500", "560500")]),
        (
            "sh560500 vs 560500.SH vs SH.560500",
            [("etf", "560500", "sh560500"), ("etf", "560500", "560500.SH"), ("etf", "560500", "SH.560500")],
        ),
        ("930939和600549", [("index", "930939", "930939"), ("stock", "600549", "600549")]),
        ("５６０５００", [("etf", "560500", "５６０５００")]),
        ("560500ETF", [("etf", "560500", "560500")]),
        # unknown codes come back, so the answerer can say there is no data
        ("123456是什么", [("unknown", "123456", "123456")]),
        ("what about 999999?", [("unknown", "999999", "999999")]),
        # codes vs dates and amounts
        ("2026-01-08 的 560500", [("etf", "560500", "560500")]),
        ("20260108", []),
        ("2026/01/08", []),
        ("成交额123456元，涨1.234567%", []),
        ("价格0.123456", []),
    ],
)
def test_entities(lex: Lexicon, text: str, expected: list[tuple[str, str, str]]) -> None:
    assert found(lex, text) == expected


def test_entity_offsets_and_names(lex: Lexicon) -> None:
    text = "为什么500质量成长ETF今天上涨，西部矿业贡献多少？"
    etf, stock = lex.resolve(text)
    assert (etf.name, text[etf.start : etf.end]) == ("500质量成长ETF鹏扬", etf.surface)
    assert (stock.name, text[stock.start : stock.end]) == ("西部矿业", stock.surface)
    assert lex.lookup("601168") is not None and lex.lookup("601168").name_en == "Western Mining Co., Ltd."  # type: ignore[union-attr]
    assert lex.lookup("123456") is None


def test_exchange_hint_picks_stock_or_index() -> None:
    lex = Lexicon.build(None, constituents=[("000016", "深康佳A", "Konka Group")])
    assert found(lex, "000016") == [("index", "000016", "000016")]  # registry index first
    assert found(lex, "sz000016") == [("stock", "000016", "sz000016")]
    assert found(lex, "000016.SH") == [("index", "000016", "000016.SH")]
    assert found(lex, "深康佳") == [("stock", "000016", "深康佳")]  # 深康佳A -> 深康佳


def test_registry_only_resolution() -> None:
    assert [(e.kind, e.code) for e in resolve_entities("500质量和西部矿业")] == [("etf", "560500")]


def test_ambiguous_derived_name_names_nobody() -> None:
    lex = Lexicon.build({"etfs": [], "indices": []}, etfs=[("111111", "红利ETF甲"), ("222222", "红利ETF乙")])
    assert found(lex, "红利ETF甲") == [("etf", "111111", "红利ETF甲")]
    assert found(lex, "红利ETF") == []  # derived from both names: ambiguous


class FakeMarket:
    """The MarketData methods Lexicon.from_market uses; some frames are missing."""

    info = SourceInfo("synthetic", D(2026, 1, 9), dt.datetime(2026, 1, 9, 15, tzinfo=dt.UTC))

    def universe(self) -> dict[str, str]:
        return {"560500": "930939", "888888": "777777"}

    def etf_spot(self, etf: str) -> NoReturn:
        raise NotFoundError(f"no spot for {etf}")

    def fund_overview(self, etf: str) -> dict[str, str]:
        if etf != "888888":
            raise NotFoundError("no overview")
        return {"基金简称": "测试红利ETF", "基金全称": "测试中证红利交易型开放式指数证券投资基金"}

    def weights(self, index: str) -> pd.DataFrame:
        if index != "930939":
            raise NotImplementedError
        rows = [
            ("930939", "中证500质量成长指数", "CSI 500 Quality Growth Index", c, n, e)
            for c, n, e in CONSTITUENTS
        ]
        return pd.DataFrame(
            rows, columns=["index_code", "index_name", "index_name_en", "code", "name", "name_en"]
        )


def test_from_market_tolerates_missing_frames() -> None:
    lex = Lexicon.from_market(FakeMarket(), registry={"etfs": [], "indices": []})  # type: ignore[arg-type]
    assert found(lex, "测试红利ETF与Xiamen Tungsten") == [
        ("etf", "888888", "测试红利ETF"),
        ("stock", "600549", "Xiamen Tungsten"),
    ]
    assert found(lex, "测试中证红利ETF") == [("etf", "888888", "测试中证红利ETF")]  # from the full name
    assert found(lex, "CSI 500 Quality Growth") == [("index", "930939", "CSI 500 Quality Growth")]
    assert found(lex, "777777 and 560500") == [("index", "777777", "777777"), ("etf", "560500", "560500")]


def test_from_market_on_bundled_sample() -> None:
    from assistant.config import bundled_sample_path
    from assistant.market.data import MarketData
    from assistant.market.snapshot import SnapshotSource

    path = bundled_sample_path()
    if not (path / "manifest.json").exists():
        pytest.skip("bundled sample snapshot not present yet")
    md = MarketData(SnapshotSource(path))
    lex = Lexicon.from_market(md)
    weights = md.weights(md.index_of("560500"))
    for code, name in zip(weights["code"][:20], weights["name"][:20], strict=True):
        assert found(lex, f"{name}今天涨了吗") == [("stock", code, name)]
    assert resolve_date("今天", md.info.trade_date, md.trading_days()).date == md.info.trade_date


def test_resolution_is_fast(lex: Lexicon) -> None:
    big = Lexicon.build(
        None,
        constituents=[
            *CONSTITUENTS,
            *((f"6{i:05d}", f"股票{i}号", f"Company {i} Co Ltd") for i in range(1000)),
        ],
    )
    text = "为什么560500今天上涨？西部矿业和Xiamen Tungsten贡献了多少，CSI 500 Quality Growth呢"
    t0 = time.perf_counter()
    for _ in range(200):
        big.resolve(text)
    assert (time.perf_counter() - t0) / 200 < 1e-3


# ---------------------------------------------------------------------------------------------- dates

T = D(2026, 1, 9)  # a Friday
HOLIDAYS = {D(2026, 1, 1), D(2026, 1, 2)}
DAYS = [
    D(2025, 12, 1) + dt.timedelta(days=i)
    for i in range(40)
    if (D(2025, 12, 1) + dt.timedelta(days=i)).weekday() < 5
    and D(2025, 12, 1) + dt.timedelta(days=i) not in HOLIDAYS
]
DAYS = [d for d in DAYS if d <= T]


@pytest.mark.parametrize(
    ("text", "date", "requested", "phrase"),
    [
        ("560500今天为什么涨", D(2026, 1, 9), D(2026, 1, 9), "今天"),
        ("今日", D(2026, 1, 9), D(2026, 1, 9), "今日"),
        ("why did it rise today?", D(2026, 1, 9), D(2026, 1, 9), "today"),
        ("昨天呢", D(2026, 1, 8), D(2026, 1, 8), "昨天"),
        ("and yesterday?", D(2026, 1, 8), D(2026, 1, 8), "yesterday"),
        ("前天", D(2026, 1, 7), D(2026, 1, 7), "前天"),
        ("the day before yesterday", D(2026, 1, 7), D(2026, 1, 7), "the day before yesterday"),
        ("上个交易日", D(2026, 1, 8), D(2026, 1, 8), "上个交易日"),
        ("on the previous trading day", D(2026, 1, 8), D(2026, 1, 8), "the previous trading day"),
        ("本周一", D(2026, 1, 5), D(2026, 1, 5), "本周一"),
        ("周三", D(2026, 1, 7), D(2026, 1, 7), "周三"),
        ("星期三", D(2026, 1, 7), D(2026, 1, 7), "星期三"),
        ("上周三", D(2025, 12, 31), D(2025, 12, 31), "上周三"),
        ("上周一", D(2025, 12, 29), D(2025, 12, 29), "上周一"),
        ("on Wednesday", D(2026, 1, 7), D(2026, 1, 7), "on Wednesday"),
        ("this Monday", D(2026, 1, 5), D(2026, 1, 5), "this Monday"),
        ("2026-01-08", D(2026, 1, 8), D(2026, 1, 8), "2026-01-08"),
        ("2026/1/8的涨幅", D(2026, 1, 8), D(2026, 1, 8), "2026/1/8"),
        ("2026年1月8日", D(2026, 1, 8), D(2026, 1, 8), "2026年1月8日"),
        ("1月8日", D(2026, 1, 8), D(2026, 1, 8), "1月8日"),
        ("1月8号560500", D(2026, 1, 8), D(2026, 1, 8), "1月8号"),
        ("12月31日", D(2025, 12, 31), D(2025, 12, 31), "12月31日"),  # yearless, not in the future
        ("20260108", D(2026, 1, 8), D(2026, 1, 8), "20260108"),
        ("what about Jan 8", D(2026, 1, 8), D(2026, 1, 8), "Jan 8"),
        ("January 8, 2026", D(2026, 1, 8), D(2026, 1, 8), "January 8, 2026"),
        ("on 8 January", D(2026, 1, 8), D(2026, 1, 8), "8 January"),
        ("Jan 8th 2026", D(2026, 1, 8), D(2026, 1, 8), "Jan 8th 2026"),
        ("Dec. 31", D(2025, 12, 31), D(2025, 12, 31), "Dec. 31"),
    ],
)
def test_dates(text: str, date: dt.date, requested: dt.date, phrase: str) -> None:
    r = resolve_date(text, T, DAYS)
    assert (r.date, r.requested, r.phrase, r.note, r.reason) == (date, requested, phrase, None, None)


def test_no_phrase_is_trade_date() -> None:
    r = resolve_date("560500为什么涨", T, DAYS)
    assert (r.date, r.requested, r.phrase, r.note) == (T, None, None, None)


def test_last_friday_on_a_holiday_moves_back_with_note() -> None:
    for text, lang, note in [
        ("上周五", "zh", "2026-01-02（周五）不是交易日，使用此前最后一个交易日 2025-12-31"),
        (
            "last Friday",
            "en",
            "2026-01-02 (Friday) is not a trading day; using the last trading day 2025-12-31",
        ),
    ]:
        r = resolve_date(text, T, DAYS)
        assert (r.date, r.requested, r.reason, r.note) == (
            D(2025, 12, 31),
            D(2026, 1, 2),
            "non_trading_day",
            note,
        )
        assert detect_language(text) == lang


def test_today_on_a_saturday_uses_friday() -> None:
    r = resolve_date("today", D(2026, 1, 10), DAYS)
    assert (r.date, r.requested, r.reason) == (D(2026, 1, 9), D(2026, 1, 10), "non_trading_day")
    assert r.note == "2026-01-10 (Saturday) is not a trading day; using the last trading day 2026-01-09"
    r = resolve_date("why did it rise", D(2026, 1, 10), DAYS)  # no phrase: same day, same note
    assert (r.date, r.requested, r.phrase, r.reason) == (D(2026, 1, 9), None, None, "non_trading_day")


def test_yesterday_is_the_calendar_day_before() -> None:
    r = resolve_date("昨天", D(2026, 1, 12), DAYS)  # Monday -> Sunday -> Friday
    assert (r.date, r.requested, r.reason) == (D(2026, 1, 9), D(2026, 1, 11), "non_trading_day")
    assert "不是交易日" in (r.note or "")


def test_requested_weekend_within_data() -> None:
    r = resolve_date("2026-01-03", T, DAYS, lang="en")
    assert (r.date, r.requested, r.reason) == (D(2025, 12, 31), D(2026, 1, 3), "non_trading_day")


@pytest.mark.parametrize("text", ["2026-01-10", "2026-01-12", "下周一", "next Monday", "Jan 12, 2026"])
def test_future_dates_have_no_date(text: str) -> None:
    r = resolve_date(text, T, DAYS, lang="en")
    assert r.date is None and r.reason == "future" and r.requested and r.requested > T
    assert r.note and "after the data's latest date 2026-01-09" in r.note


def test_trading_day_missing_from_data() -> None:
    r = resolve_date("today", T, [d for d in DAYS if d < T], lang="en")
    assert (r.date, r.reason) == (D(2026, 1, 8), "no_data")


def test_invalid_date() -> None:
    r = resolve_date("2026-02-30", T, DAYS, lang="en")
    assert (r.date, r.reason, r.phrase) == (None, "invalid", "2026-02-30")


def test_first_phrase_wins() -> None:
    assert resolve_date("昨天和今天相比", T, DAYS).phrase == "昨天"


def test_empty_calendar_falls_back_to_weekdays_and_holidays() -> None:
    assert D(2026, 1, 1) in FALLBACK_HOLIDAYS
    r = resolve_date("上周五", T, [])
    assert (r.date, r.reason) == (D(2025, 12, 31), "non_trading_day")
    assert resolve_date("yesterday", D(2026, 1, 5), []).date == D(2025, 12, 31)  # Sun, Sat, 01-02, 01-01
    cal = TradingCalendar([])
    assert cal.on_or_before(D(2026, 2, 22)) == D(2026, 2, 13)  # Spring Festival closure (fallback list)


def test_data_calendar_beats_fallback() -> None:
    cal = TradingCalendar([D(2026, 1, 5), D(2026, 1, 7)])  # 01-06 missing from the data: closed
    assert not cal.is_open(D(2026, 1, 6)) and cal.on_or_before(D(2026, 1, 6)) == D(2026, 1, 5)
    assert cal.before(D(2026, 1, 5)) == D(2025, 12, 31)  # before the data: the rule


# ---------------------------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("text", "start", "end", "phrase"),
    [
        ("560500本月份额增长了多少", D(2025, 12, 31), T, "本月"),
        ("how much did the ETF's shares grow this month", D(2025, 12, 31), T, "this month"),
        ("近一个月", D(2025, 12, 9), T, "近一个月"),
        ("过去一个月份额变化", D(2025, 12, 9), T, "过去一个月"),
        ("over the past month", D(2025, 12, 9), T, "over the past month"),
        ("近1个月", D(2025, 12, 9), T, "近1个月"),
        ("近一周", D(2025, 12, 31), T, "近一周"),
        ("in the past week", D(2025, 12, 31), T, "in the past week"),
        ("本周", D(2025, 12, 31), T, "本周"),
        ("上周", D(2025, 12, 26), D(2025, 12, 31), "上周"),
        ("last month", D(2025, 11, 28), D(2025, 12, 31), "last month"),
        ("今年以来", D(2025, 12, 31), T, "今年以来"),
        ("year to date", D(2025, 12, 31), T, "year to date"),
        ("近5日", D(2025, 12, 31), T, "近5日"),
        ("past 10 trading days", D(2025, 12, 24), T, "past 10 trading days"),
        ("从2025-12-09到2026-01-09", D(2025, 12, 9), T, "2025-12-09到2026-01-09"),
        ("between Dec 9 and Jan 8", D(2025, 12, 9), D(2026, 1, 8), "Dec 9 and Jan 8"),
        ("2025-12-13至2026-01-03", D(2025, 12, 12), D(2025, 12, 31), "2025-12-13至2026-01-03"),
        ("自2025-12-15以来", D(2025, 12, 15), T, "自2025-12-15以来"),
        ("since Dec 15", D(2025, 12, 15), T, "since Dec 15"),
    ],
)
def test_periods(text: str, start: dt.date, end: dt.date, phrase: str) -> None:
    assert resolve_period(text, T, DAYS) == Period(start, end, phrase)


def test_period_default_and_future_end() -> None:
    assert resolve_period("560500份额", T, DAYS) is None
    assert resolve_period("上周五的份额", T, DAYS) is None  # a day, not a period
    p = resolve_period("从2025-12-09到2026-01-20", T, DAYS, lang="en")
    assert p is not None and (p.start, p.end) == (D(2025, 12, 9), T) and p.note and "after" in p.note


# ---------------------------------------------------------------------------------------------- language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("为什么560500今天上涨？", "zh"),
        ("500质量成长ETF本月份额增长了多少", "zh"),
        ("为什么Western Mining今天涨了", "zh"),
        ("Why did 560500 rise today?", "en"),
        ("Why did 厦门钨业 rise?", "en"),
        ("how much did 500质量成长ETF grow this month", "en"),
        ("560500", "zh"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_short_names_users_write_resolve_to_their_stock() -> None:
    lex = Lexicon.build(constituents=[("300750", "宁德时代", "Contemporary Amperex Technology")])
    assert [(e.kind, e.code) for e in lex.resolve("How did CATL do today?")] == [("stock", "300750")]
    assert [(e.kind, e.code) for e in lex.resolve("茅台今天跌了多少")] == [
        ("stock", "600519")
    ]  # not in the data
    assert lex.lookup("300750").name_en == "Contemporary Amperex Technology"  # the data's name stays


def test_a_short_name_never_takes_a_name_the_data_gives_another_code() -> None:
    lex = Lexicon.build(constituents=[("600001", "茅台", None)])
    assert [e.code for e in lex.resolve("茅台今天跌了多少")] == ["600001"]
