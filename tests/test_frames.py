"""frames.normalise: every dtype variant AKShare (pandas 3) or a CSV produces comes out the same."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

from assistant.market import frames
from assistant.market.frames import FrameError, normalise

DATES = ["2026-01-08", "2026-01-09"]
EXPECTED = [dt.date(2026, 1, 8), dt.date(2026, 1, 9)]


def index_bars(date_values: object) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": date_values,
            "open": [1.0, 1.02],
            "close": [1.0, 1.02],
            "high": [1.0, 1.02],
            "low": [1.0, 1.02],
            "volume": np.array([10, 20], dtype="int64"),
            "amount": [1.0, 2.0],
        }
    )


@pytest.mark.parametrize(
    "values",
    [
        pd.array(DATES, dtype="string"),  # StringDtype (pandas 3 text)
        pd.Series(DATES, dtype=object),  # plain strings
        EXPECTED,  # datetime.date objects (stock_zh_a_hist, CSIndex)
        pd.to_datetime(DATES),  # datetime64 (fund_etf_spot_em 数据日期)
        pd.to_datetime(DATES).tz_localize("Asia/Shanghai"),  # tz-aware datetime64
        ["20260108", "20260109"],  # YYYYMMDD
        ["2026-01-08 00:00:00", "2026-01-09 00:00:00"],  # a datetime written to CSV
    ],
)
def test_dates_normalise_to_date_objects(values: object) -> None:
    df = normalise("stock_zh_index_daily_em", index_bars(values))
    assert df["date"].tolist() == EXPECTED
    assert all(type(d) is dt.date for d in df["date"])
    assert df["volume"].dtype == "float64"
    assert df.attrs["source"] == "stock_zh_index_daily_em"


def test_codes_get_their_leading_zeros_back() -> None:
    df = pd.DataFrame(
        {
            "序号": [1, 2, 3],
            "基金代码": [510050, "1234", 159915.0],
            "基金简称": ["a", "b", "c"],
            "ETF类型": ["单市"] * 3,
            "统计日期": [EXPECTED[1]] * 3,
            "基金份额": [1.0, 2.0, 3.0],
        }
    )
    assert normalise("fund_etf_scale_sse", df)["基金代码"].tolist() == ["510050", "001234", "159915"]


def test_bad_code_is_a_clear_error() -> None:
    df = pd.DataFrame(
        {"日期": EXPECTED, "基金代码": ["159915", "SZ159919"], "基金简称": ["a", "b"], "基金份额": [1, 2]}
    )
    with pytest.raises(FrameError, match=r"基金代码 holds 'SZ159919'.*not a 6-digit code"):
        normalise("fund_scale_daily_szse", df)


def test_tz_aware_update_time_and_string_roundtrip() -> None:
    epoch = pd.Series([1767942000, 1767942060])
    live = pd.DataFrame(
        {
            "代码": pd.array(["560500", "159606"], dtype="string"),
            "名称": pd.array(["a", "b"], dtype="string"),
            **{
                c: [1.0, 2.0]
                for c in (
                    "最新价",
                    "IOPV实时估值",
                    "基金折价率",
                    "涨跌额",
                    "涨跌幅",
                    "成交量",
                    "成交额",
                    "开盘价",
                    "最高价",
                    "最低价",
                    "昨收",
                    "换手率",
                    "最新份额",
                    "流通市值",
                    "总市值",
                )
            },
            "数据日期": pd.to_datetime(["20260109", "20260109"], format="%Y%m%d"),
            "更新时间": pd.to_datetime(epoch, unit="s").dt.tz_localize("UTC").dt.tz_convert("Asia/Shanghai"),
        }
    )
    a = normalise("fund_etf_spot_em", live)
    assert str(a["更新时间"].dt.tz) == "Asia/Shanghai"
    assert a["更新时间"].iloc[0] == pd.Timestamp("2026-01-09 15:00:00", tz="Asia/Shanghai")
    buf = io.StringIO()
    frames.for_csv("fund_etf_spot_em", a).to_csv(buf, index=False)
    b = normalise(
        "fund_etf_spot_em", pd.read_csv(io.StringIO(buf.getvalue()), dtype=str, keep_default_na=False)
    )
    pd.testing.assert_frame_equal(a, b)


def test_naive_times_are_shanghai_wall_time() -> None:
    df = pd.DataFrame(
        {
            "关键词": ["560500"],
            "新闻标题": ["t"],
            "新闻内容": ["c"],
            "发布时间": ["2026-01-09 09:30:00"],
            "文章来源": ["s"],
            "新闻链接": ["http://x/1.html"],
        }
    )
    out = normalise("stock_news_em", df)
    assert out["发布时间"].iloc[0] == pd.Timestamp("2026-01-09T01:30:00Z")
    [article] = frames.news_articles(out)
    assert article.id == frames.em_news_id("http://x/1.html") and article.id.startswith("em-")
    assert article.published_at.utcoffset() == dt.timedelta(hours=8) and article.symbols == ("560500",)


def test_numbers_from_strings_with_dashes_and_commas() -> None:
    df = pd.DataFrame(
        {
            "日期": EXPECTED,
            "基金代码": ["159915", "159919"],
            "基金简称": ["a", "b"],
            "基金份额": ["1,234,000", "-"],
        }
    )
    out = normalise("fund_scale_daily_szse", df)
    assert out["基金份额"].iloc[0] == 1234000.0 and np.isnan(out["基金份额"].iloc[1])


def test_missing_columns_are_named() -> None:
    with pytest.raises(FrameError, match="missing required column\\(s\\) 收盘, 换手率"):
        normalise(
            "fund_etf_hist_em",
            pd.DataFrame(
                {
                    "日期": DATES,
                    "开盘": [1, 2],
                    "最高": [1, 2],
                    "最低": [1, 2],
                    "成交量": [1, 2],
                    "成交额": [1, 2],
                    "振幅": [1, 2],
                    "涨跌幅": [1, 2],
                    "涨跌额": [1, 2],
                }
            ),
        )


def test_positional_shift_is_caught() -> None:
    df = index_bars(DATES).assign(close=[0.0, -5.0])
    with pytest.raises(FrameError, match="close"):
        normalise("stock_zh_index_daily_em", df)


def test_frame_key_and_date_filter() -> None:
    assert frames.frame_key(
        "stock_zh_a_hist",
        {
            "symbol": "000630",
            "period": "daily",
            "adjust": "",
            "start_date": "20250101",
            "end_date": "20260101",
        },
    ) == frames.frame_key("stock_zh_a_hist", {"adjust": "", "symbol": "000630", "period": "daily"})
    assert frames.frame_key("x", {"symbol": "1"}) != frames.frame_key("x", {"symbol": "2"})
    df = normalise("stock_zh_index_daily_em", index_bars(DATES))
    assert frames.filter_params("stock_zh_index_daily_em", df, {"start_date": "20260109"})[
        "date"
    ].tolist() == [dt.date(2026, 1, 9)]
    assert frames.filter_params("stock_zh_index_daily_em", df, {"end_date": "20260108"})["date"].tolist() == [
        dt.date(2026, 1, 8)
    ]


def test_param_checks() -> None:
    assert frames.check_params("stock_zh_index_daily_em", {"symbol": "csi930939"}) is None
    assert "index code" in frames.check_params("stock_zh_index_daily_em", {"symbol": "930939"})
    assert "6-digit" in frames.check_params("fund_etf_hist_em", {"symbol": "sh560500"})
    assert "YYYYMMDD" in frames.check_params("fund_etf_scale_sse", {"date": "2026-01-09"})
    assert frames.check_params("stock_news_em", {"symbol": "鹏扬基金"}) is None
