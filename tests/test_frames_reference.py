"""`frames.normalise` works column-wise for speed (a snapshot holds a few hundred frames and validating them was
most of a fresh store's first `ask`); it must give exactly what the plain per-cell reference in
tests/frame_reference.py gives: the same columns, dtypes, values (NaN and None where they were) and the same
FrameError message for a bad cell. Checked over every frame of the bundled sample and the eval snapshots, over
live-shaped copies of them (object, pandas "string", numbers as floats, dates as objects), over the AKShare fakes
and over frames with bad cells planted in every kind of column."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from assistant.config import bundled_sample_path
from assistant.market import frames
from assistant.market.frame_specs import FrameError, spec_for
from tests import frame_reference
from tests.akshare_fakes import CONSTITUENTS, ETF, INDEX, FakeAkshare

Raw = tuple[str, pd.DataFrame, str | None]  # function, raw frame, akshare_version


def snapshot_frames(folder: Path) -> Iterator[Raw]:
    """Every frame of a snapshot, read exactly as SnapshotSource reads it."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["frames"]:
        raw = pd.read_csv(folder / entry["file"], dtype=str, keep_default_na=False, encoding="utf-8-sig")
        yield entry["function"], raw, manifest.get("akshare_version")


def outcome(normalise: Any, function: str, df: pd.DataFrame, version: str | None) -> Any:
    try:
        return normalise(function, df.copy(), akshare_version=version)
    except Exception as err:  # noqa: BLE001 - the error itself is what is compared
        return (type(err), str(err))


def cell(value: Any) -> tuple[str, str]:
    return type(value).__name__, repr(value)


def assert_same(fast: Any, slow: Any, what: str) -> None:
    if not isinstance(slow, pd.DataFrame) or not isinstance(fast, pd.DataFrame):
        same = type(fast) is type(slow) and fast == slow
        assert same, f"{what}: {str(fast)[:400]}\nreference: {str(slow)[:400]}"
        return
    assert list(fast.columns) == list(slow.columns), what
    assert type(fast.index) is type(slow.index) and fast.index.equals(slow.index), what
    assert fast.attrs == slow.attrs, what
    for i, col in enumerate(slow.columns):
        a, b = fast.iloc[:, i], slow.iloc[:, i]
        assert a.dtype == b.dtype, f"{what}: {col} is {a.dtype}, reference {b.dtype}"
        assert [cell(v) for v in a.tolist()] == [cell(v) for v in b.tolist()], f"{what}: {col}"


def check(function: str, df: pd.DataFrame, version: str | None, what: str) -> Any:
    slow = outcome(frame_reference.normalise, function, df, version)
    fast = outcome(frames.normalise, function, df, version)
    assert_same(fast, slow, f"{what} ({function})")
    return slow


@pytest.fixture(scope="module")
def sample() -> list[Raw]:
    return list(snapshot_frames(bundled_sample_path()))


def first_of_each(raws: list[Raw]) -> list[Raw]:
    seen: dict[str, Raw] = {}
    for raw in raws:
        seen.setdefault(raw[0], raw)
    return list(seen.values())


def test_every_frame_of_the_bundled_sample(sample: list[Raw]) -> None:
    assert len(sample) > 200
    for n, (function, raw, version) in enumerate(sample):
        assert isinstance(check(function, raw, version, f"sample frame {n}"), pd.DataFrame)


def test_frames_of_the_eval_snapshots() -> None:
    """Up to three frames of each function per generated scenario: generating them is the cost here, and the
    checks above already walk a few hundred frames of the same shapes. (All 714 were compared once by hand.)"""
    from eval.make_snapshots import ensure_snapshots

    folders = ensure_snapshots()
    assert folders
    for name, folder in folders.items():
        seen: dict[str, int] = {}
        for n, (function, raw, version) in enumerate(snapshot_frames(folder)):
            seen[function] = seen.get(function, 0) + 1
            if seen[function] <= 3:
                assert isinstance(check(function, raw, version, f"{name} frame {n}"), pd.DataFrame)


def live_shapes(function: str, raw: pd.DataFrame) -> Iterator[tuple[str, pd.DataFrame]]:
    """The same frame as AKShare hands it over in various pandas shapes."""
    spec = spec_for(function)
    yield "object", raw.astype(object)
    yield "string", raw.astype("string")
    typed = raw.astype(object)
    for col in spec.numerics:
        if col in typed.columns:
            typed[col] = pd.to_numeric(typed[col].replace("", None), errors="coerce")
    for col in spec.dates:
        if col in typed.columns:
            typed[col] = [frame_reference.parse_date(v) for v in typed[col]]
    yield "typed", typed
    for col in spec.dates:
        if col in typed.columns:
            yield "datetime64", typed.assign(**{col: pd.to_datetime(typed[col])})
    for col in spec.codes:
        if col in typed.columns:
            yield "int codes", typed.assign(**{col: pd.to_numeric(typed[col], errors="coerce")})


def test_live_shaped_frames(sample: list[Raw]) -> None:
    for function, raw, version in first_of_each(sample):
        for shape, df in live_shapes(function, raw):
            check(function, df, version, f"{shape} copy")
    fake, stock = FakeAkshare(), CONSTITUENTS[0]
    symbols = {"fund_etf_hist_em": ETF, "stock_zh_a_hist": stock, "stock_individual_info_em": stock}
    symbols |= {"stock_zh_index_daily_em": f"csi{INDEX}", "index_stock_cons_weight_csindex": INDEX}
    for function in frames.SPECS:
        symbol = {"symbol": symbols[function]} if function in symbols else {}
        result = check(function, getattr(fake, function)(**symbol), None, "AKShare fake")
        assert isinstance(result, pd.DataFrame)


BAD = {
    "codes": ["SZ159919", "159919.0", "12345", 159919, 12.5, "", "  ", None, True],
    "dates": [
        "2026-13-45",
        "yesterday",
        "20260109",
        "2026/1/9",
        "",
        None,
        20260109,
        dt.datetime(2026, 1, 9, 23),
    ],
    "datetimes": ["not a time", "2026-01-09T10:00:00+00:00", "", "NaT", None, 1.5],
    "numerics": [
        "1,23",
        "12,34,567",
        "1,234,567",
        "1O.5",
        " 12 ",
        "-",
        "--",
        "",
        "inf",
        "1e3",
        "1_000",
        None,
        7,
    ],
    "texts": [12, 1.5, "", "nan", None, "  x  "],
}


def planted(raws: list[Raw]) -> Iterator[tuple[str, pd.DataFrame, str | None, str]]:
    for function, raw, version in raws:
        spec = spec_for(function)
        for kind, values in BAD.items():
            columns = [c for c in getattr(spec, kind) if c in raw.columns][:2]
            for col in columns:
                for value in values:
                    for row in sorted({0, len(raw) // 2}):
                        df = raw.astype(object)
                        df.loc[row, col] = value
                        yield function, df, version, f"{col}[{row}] = {value!r}"
                        if not len(raw) or kind != "numerics":
                            continue
                        text = raw.copy()  # the Arrow-backed text of a CSV, with the bad cell in it
                        text.loc[row, col] = value if isinstance(value, str) else str(value)
                        yield function, text, version, f"text {col}[{row}] = {value!r}"


def test_bad_cells_fail_alike(sample: list[Raw]) -> None:
    errors = 0
    for function, df, version, what in planted(first_of_each(sample)):
        result = check(function, df, version, what)
        errors += not isinstance(result, pd.DataFrame)
    assert errors > 50  # the planted cells do reach the error paths


def bars(function: str, raw: pd.DataFrame, close: str, date: str) -> Iterator[tuple[pd.DataFrame, str]]:
    """Daily bars with the moves the daily-limit check must judge: x100, limit-up/down, ex-rights, a resumption
    after a gap, a zero or missing close, unsorted and repeated dates."""
    n = len(raw)
    for row in (1, n // 2, n - 1):
        for factor in (100.0, 1.2, 0.8, 0.5, 1.11, 1.09, 0.0):
            df = raw.astype(object)
            df[close] = pd.to_numeric(df[close]) * [factor if i >= row else 1.0 for i in range(n)]
            yield df, f"{close} x{factor} from row {row}"
        df = raw.astype(object)
        df.loc[row, close] = None
        yield df, f"{close}[{row}] missing"
        df = raw.astype(object)
        df.loc[row, date] = df.loc[row - 1, date]
        yield df, f"{date}[{row}] repeated"
    yield raw.iloc[::-1].reset_index(drop=True), "reversed"
    yield raw.sample(frac=1.0, random_state=7).reset_index(drop=True), "shuffled"
    gap = raw.astype(object)
    gap.loc[n // 2 :, date] = [
        (dt.date.fromisoformat(d) + dt.timedelta(days=30)).isoformat() for d in gap.loc[n // 2 :, date]
    ]
    gap.loc[n // 2 :, close] = pd.to_numeric(gap.loc[n // 2 :, close]) * 3
    yield gap, "resumed after 30 days at x3"


def test_daily_limit_walks_alike(sample: list[Raw]) -> None:
    columns = {"fund_etf_hist_em": ("收盘", "日期"), "stock_zh_a_hist": ("收盘", "日期")}
    columns["stock_zh_index_daily_em"] = ("close", "date")
    refused = 0
    for function, raw, version in first_of_each(sample):
        if function in columns:
            for df, what in bars(function, raw, *columns[function]):
                refused += not isinstance(check(function, df, version, what), pd.DataFrame)
    assert refused > 10


def test_frame_errors_name_the_cell() -> None:
    """The reference and the real one agree above; this pins what they agree on for one planted cell."""
    df = FakeAkshare().fund_etf_hist_em(symbol=ETF)
    df = df.astype(object)
    df.loc[3, "收盘"] = "1,23"
    with pytest.raises(FrameError, match=r"column 收盘 holds '1,23' \(row 3\): a separator"):
        frames.normalise("fund_etf_hist_em", df)
