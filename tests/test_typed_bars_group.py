"""Stock bars typed for a whole group at once (a cached snapshot's per-stock frames share one frame) must equal
the straightforward per-stock path: the same rows, values, dtypes, column order and source, for every code and
window."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assistant.config import bundled_sample_path
from assistant.market.data import MarketData
from assistant.market.frame_reader import BAR_COLUMNS, _TypedBars
from assistant.market.snapshot import SnapshotSource, open_snapshot

_DAILY = {"period": "daily", "adjust": ""}


class _PerCallSource:
    """A snapshot without `immutable`: MarketData re-reads and re-parses every call (the live path)."""

    immutable = False

    def __init__(self, inner: SnapshotSource) -> None:
        self._inner = inner
        self.info = inner.info

    def recorded(self, function: str, params: dict[str, str]) -> object:
        return self._inner.fetch(function, dict(params))

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


def _sources(folder: Path, cache: Path) -> tuple[SnapshotSource, SnapshotSource]:
    """The snapshot read from its CSVs (each frame on its own) and from the cache (the stocks' bars one frame)."""
    fresh = open_snapshot(folder, cache)  # validates the CSVs and writes the cache
    source = open_snapshot(folder, cache)  # reads the cache: per-stock bar frames are parts of one frame
    parts = [part for _, part in source.recorded_parts("stock_zh_a_hist")]
    assert len(parts) > 50 and len({id(part.group) for part in parts}) == 1
    return fresh, source


def _check_every_code(sources: tuple[SnapshotSource, SnapshotSource], suspended: str | None) -> None:
    fresh, source = sources
    grouped = MarketData(source)
    per_stock = MarketData(fresh)  # typed stock by stock
    plain = MarketData(_PerCallSource(source))  # type: ignore[arg-type]  # the live path: parsed per call
    days = grouped.trading_days()
    windows = [
        (None, None),
        (days[-1], None),
        (days[-5], days[-2]),
        (days[0], days[-1]),
        (None, days[-3]),
        (days[-1] + dt.timedelta(days=3), None),
        (dt.date(2000, 1, 1), dt.date(2000, 1, 5)),
    ]
    codes = [c["symbol"] for c in source.calls("stock_zh_a_hist")]
    for code in [*reversed(codes), "999999"]:  # reversed: the first request types the whole group
        for start, end in windows:
            got = grouped.stock_bars(code, start, end)
            for other in (per_stock, plain) if (start, end) in windows[:3] else (per_stock,):
                want = other.stock_bars(code, start, end)
                pd.testing.assert_frame_equal(got, want, check_exact=True)
                assert got.attrs == want.attrs == {"source": "stock_zh_a_hist"}
                assert list(got.columns) == BAR_COLUMNS and list(got.dtypes) == list(want.dtypes)
    assert grouped.stock_bars("999999").empty
    memo = grouped._memo or {}  # noqa: SLF001
    typed = {id(v.frame) for k, v in memo.items() if k[:2] == ("typed", "stock_zh_a_hist")}
    assert len(typed) == 1, "the stocks' bars were typed as one group"
    if suspended is not None:
        assert grouped.stock_bars(suspended)["date"].iloc[-1] < source.info.trade_date

    mutated = grouped.stock_bars(codes[1])
    mutated.loc[0, "close"] = -1.0  # a caller scribbling on its frame must not reach the shared typed frame
    for code in codes[:3]:
        pd.testing.assert_frame_equal(grouped.stock_bars(code), plain.stock_bars(code))


def test_grouped_bars_of_the_bundled_sample(tmp_path: Path) -> None:
    _check_every_code(_sources(bundled_sample_path(), tmp_path), None)


def test_grouped_bars_with_a_suspended_stock(tmp_path: Path) -> None:
    from eval.make_snapshots import ensure_snapshot

    _check_every_code(_sources(ensure_snapshot("synthetic-562340-2025-12-19"), tmp_path), "002916")


@pytest.mark.parametrize("last", [dt.date(2026, 1, 8), dt.date(2026, 1, 20)])
def test_build_group_equals_building_each_span(last: dt.date) -> None:
    """Unsorted dates, a repeated date, a missing one, rows after the last day and an empty span."""
    d = dt.date
    dates = [d(2026, 1, 9), d(2026, 1, 5), None, d(2026, 1, 5), d(2026, 1, 7), d(2026, 1, 6), d(2026, 1, 2)]
    mapping = {"日期": "date", **{c: c for c in BAR_COLUMNS[1:]}}
    raw = pd.DataFrame(
        {"日期": dates, **{c: np.arange(7, dtype=np.int64) * (i + 1) for i, c in enumerate(BAR_COLUMNS[1:])}}
    )
    raw["open"] = raw["open"].astype(object)  # an object column converts the same way
    spans = [(0, 4), (4, 4), (4, 7), (1, 3)]
    grouped = _TypedBars.build_group(raw, spans, mapping, last.toordinal(), "stock_zh_a_hist")
    for (start, stop), typed in zip(spans, grouped, strict=True):
        part = raw.iloc[start:stop].reset_index(drop=True)
        for window in [(None, None), (d(2026, 1, 5), None), (d(2026, 1, 6), d(2026, 1, 8))]:
            got = typed.window(*window, last)
            pd.testing.assert_frame_equal(got, _reference(part, *window, last), check_exact=True)
            assert got.attrs == {"source": "stock_zh_a_hist"}


def _reference(part: pd.DataFrame, start: dt.date | None, end: dt.date | None, last: dt.date) -> pd.DataFrame:
    """Filter [start, min(end, last)], stable sort by date, numbers as float64: spelled out row by row."""
    top = min(end or last, last)
    dates = list(part["日期"])
    keep = [i for i, x in enumerate(dates) if x is not None and x <= top and (start is None or x >= start)]
    keep.sort(key=lambda i: dates[i])  # list.sort is stable
    out = pd.DataFrame(
        {
            "date": np.array([dates[i] for i in keep], dtype=object),
            **{c: part[c].to_numpy(dtype="float64")[keep] for c in BAR_COLUMNS[1:]},
        },
        columns=BAR_COLUMNS,
    )
    out.attrs["source"] = "stock_zh_a_hist"
    return out
