"""Impossible values are refused at load, naming the frame, column, row and value: a price off by x100, a move
beyond the board's daily limit without a listing or resumption, a repeated date, ambiguous separators, text in a
number column. Before, they went through and answers said things like "上涨101504.67%"."""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd
import pytest

from assistant.market.frames import FrameError, normalise


def bars(
    closes: list[float],
    *,
    code: str = "600549",
    days: list[dt.date] | None = None,
    reported: list[float] | None = None,
) -> pd.DataFrame:
    days = days or [dt.date(2026, 1, 5) + dt.timedelta(days=i) for i in range(len(closes))]
    pct = reported or [0.0] + [round((b / a - 1) * 100, 2) for a, b in itertools.pairwise(closes)]
    return pd.DataFrame(
        {
            "日期": [d.isoformat() for d in days],
            "股票代码": code,
            "开盘": closes,
            "收盘": closes,
            "最高": closes,
            "最低": closes,
            "成交量": 1.0,
            "成交额": 1.0,
            "振幅": 0.0,
            "涨跌幅": pct,
            "涨跌额": 0.0,
            "换手率": 1.0,
        }
    )


def test_a_price_off_by_100_is_refused() -> None:
    with pytest.raises(FrameError, match=r"收盘 moves \+9900.00% .*x100"):
        normalise("stock_zh_a_hist", bars([10.0, 10.1, 1010.0], reported=[0.0, 1.0, 1.0]))


@pytest.mark.parametrize(
    ("code", "move", "ok"),
    [
        ("600549", 10.0, True),
        ("600549", 15.0, False),
        ("300750", 19.9, True),
        ("300750", 25.0, False),
        ("830799", 29.0, True),
    ],
)
def test_moves_beyond_the_board_limit_are_refused(code: str, move: float, ok: bool) -> None:
    df = bars([10.0, 10.0 * (1 + move / 100)], code=code)
    if ok:
        normalise("stock_zh_a_hist", df)
    else:
        with pytest.raises(FrameError, match="daily limit"):
            normalise("stock_zh_a_hist", df)


def test_listing_resumption_and_ex_rights_are_not_refused() -> None:
    normalise(
        "stock_zh_a_hist", bars([10.0, 30.0], days=[dt.date(2025, 11, 3), dt.date(2026, 1, 5)])
    )  # resumed
    normalise(
        "stock_zh_a_hist", bars([20.0, 10.2], reported=[0.0, 2.0])
    )  # 10-for-10 bonus: ex-rights, reported +2%


def test_repeated_dates_are_refused() -> None:
    df = bars([10.0, 10.1, 10.2], days=[dt.date(2026, 1, 5), dt.date(2026, 1, 6), dt.date(2026, 1, 6)])
    with pytest.raises(FrameError, match="repeats the date 2026-01-06"):
        normalise("stock_zh_a_hist", df)


@pytest.mark.parametrize(
    ("text", "problem"),
    [("1,23", "not thousands grouping"), ("12,34,567", "not thousands grouping"), ("1O.5", "not a number")],
)
def test_number_text_is_strict(text: str, problem: str) -> None:
    df = bars([10.0, 10.1]).astype(object)
    df.loc[1, "收盘"] = text
    with pytest.raises(FrameError, match=problem):
        normalise("stock_zh_a_hist", df)
