"""A day the data has no rows for is told as such, known by the error's type (`NoRowsError`), not its message."""

from __future__ import annotations

import pytest

from assistant.answer.offline import OfflineAnswerer
from assistant.answer.tools import Toolbox
from assistant.config import bundled_sample_path
from assistant.errors import NotFoundError
from assistant.market.data import MarketData
from assistant.market.resolve import Lexicon
from assistant.market.snapshot import SnapshotSource


def answer_when_bars_fail(monkeypatch: pytest.MonkeyPatch, failure: Exception, question: str) -> str:
    md = MarketData(SnapshotSource(bundled_sample_path()))
    answerer = OfflineAnswerer(Toolbox(md, Lexicon.from_market(md)))
    md.trading_days()  # read (and kept) before the bars fail: the calendar itself is fine

    def etf_bars(*args: object, **kwargs: object) -> None:
        raise failure

    monkeypatch.setattr(md, "etf_bars", etf_bars)
    return answerer.answer(question)[0].answer


def test_no_rows_for_the_day_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    # pandas' KeyError on an empty selection: the toolbox turns it into NoRowsError
    text = answer_when_bars_fail(monkeypatch, KeyError("2026-01-08"), "560500在2026年1月8日涨了多少？")
    assert "本数据没有所问日期的行情（数据截至 2026-01-09）" in text, text


def test_another_not_found_keeps_its_own_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    failure = NotFoundError("no fund_etf_hist_em bars for ETF 560500 in this test")
    text = answer_when_bars_fail(monkeypatch, failure, "560500在2026年1月8日涨了多少？")
    assert "no fund_etf_hist_em bars for ETF 560500 in this test" in text, text
    assert "所问日期" not in text
