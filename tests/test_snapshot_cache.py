"""The validated-snapshot cache: a shortcut that must never hide an edit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import SnapshotError
from assistant.market.snapshot import SnapshotSource, open_snapshot
from tests.snapshot_factory import build_snapshot


def test_second_open_reuses_the_validation_and_an_edit_invalidates_it(tmp_path: Path) -> None:
    snap = build_snapshot(tmp_path)
    cache = tmp_path / "cache"
    first = open_snapshot(snap, cache)
    assert len(list((cache / "snapshots").glob("*-*"))) == 1
    second = open_snapshot(snap, cache)
    assert isinstance(second, SnapshotSource) and second.info == first.info
    assert second.fetch("fund_etf_hist_em", {"symbol": "560500", "period": "daily", "adjust": ""}).equals(
        first.fetch("fund_etf_hist_em", {"symbol": "560500", "period": "daily", "adjust": ""})
    )

    assert first._frames.keys() == second._frames.keys()  # noqa: SLF001 - every frame, not only one
    for key, frame in first._frames.items():  # noqa: SLF001
        again = second._frames[key]  # noqa: SLF001
        assert (again.function, again.params, again.file) == (frame.function, frame.params, frame.file)
        assert again.df.equals(frame.df) and list(again.df.dtypes) == list(frame.df.dtypes), key
    files = list((cache / "snapshots").rglob("*.parquet"))
    assert len(files) < len(first._frames), "frames of one shape share a file"  # noqa: SLF001

    manifest = snap / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    del data["origin"]
    manifest.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SnapshotError, match="origin"):
        open_snapshot(snap, cache)


def test_a_corrupt_cache_entry_is_ignored(tmp_path: Path) -> None:
    snap = build_snapshot(tmp_path)
    cache = tmp_path / "cache"
    open_snapshot(snap, cache)
    for entry in (cache / "snapshots").rglob("*"):
        if entry.is_file():
            entry.write_bytes(b"not parquet")
    assert open_snapshot(snap, cache).info.trade_date.isoformat() == "2026-01-09"


def test_a_cache_entry_naming_a_file_outside_the_snapshot_is_ignored(tmp_path: Path) -> None:
    from assistant.market.frame_files import read_frame, write_frame

    snap = build_snapshot(tmp_path)
    cache = tmp_path / "cache"
    first = open_snapshot(snap, cache)
    planted = next((cache / "snapshots").rglob("*.parquet"))
    df, record = read_frame(planted)
    record["frames"][0]["file"] = "../../elsewhere.csv"
    write_frame(df, planted, record)
    again = open_snapshot(snap, cache)  # validated afresh from the snapshot's own files
    assert {f.file for f in again._frames.values()} == {f.file for f in first._frames.values()}  # noqa: SLF001
