"""SnapshotSource: replays a v1 market snapshot folder (see the snapshot-format spec) as a FrameSource.

Everything is validated on load, so a broken snapshot fails at start-up with SnapshotError(file, problem)
instead of producing a wrong answer later. Structural problems (manifest, frame files, columns, codes, weights,
missing bars on trade_date, duplicate keys) reject the snapshot. News is more forgiving: a snapshot is still
useful when one article line is broken, so bad news lines (and duplicate ids) are skipped and listed in
`problems` as "file:line: problem" (pass strict_news=True to reject instead).

Frames are read with dtype=str and normalised by frames.normalise, the same path the live source uses.
Rows dated after trade_date and news published after as_of are never returned.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from assistant.errors import NotFoundError, SnapshotError
from assistant.market import frame_cells, frame_files, frame_specs, frames
from assistant.market.frame_files import FramePart, read_frames, write_frames
from assistant.market.manifest import files_fingerprint
from assistant.market.model import CHINA_TZ, SNAPSHOT_FORMAT, Article, Document, SourceInfo
from assistant.market.snapshot_texts import read_documents, read_news
from assistant.private_cache import publish_folder

log = logging.getLogger(__name__)

FORMAT = SNAPSHOT_FORMAT
ORIGINS = ("recorded", "sample", "synthetic")
MANIFEST_KEYS = ("format", "trade_date", "as_of", "origin", "universe", "frames")


@dataclass(frozen=True)
class RecordedFrame:
    function: str
    params: dict[str, str]
    file: Path
    part: FramePart  # its rows of a frame it may share with others (a cached snapshot's group file)

    @cached_property
    def df(self) -> pd.DataFrame:
        """Normalised, rows dated after trade_date already dropped. Built on first use from its part."""
        df = self.part.frame()
        df.attrs["source"] = self.function
        return df


class SnapshotSource:
    """A FrameSource over a snapshot folder; construction validates the whole snapshot."""

    immutable = True  # a snapshot never changes once loaded: MarketData may memoise what it parses from it

    def __init__(
        self,
        path: Path | str,
        *,
        strict_news: bool = False,
        validated_frames: list[RecordedFrame] | None = None,
    ) -> None:
        """`validated_frames`: the frames of an earlier validation of these very files (the snapshot cache);
        the manifest, news and documents are still read and checked."""
        self.path = Path(path)
        self.name = self.path.name
        self.label = f"snapshot {self.name}"
        self.strict_news = strict_news
        self.problems: list[str] = []  # skipped news lines and document front-matter problems
        manifest = self._read_manifest()
        self.manifest = manifest
        self.info = self._read_info(manifest)
        self._universe = self._read_universe(manifest)
        self._frames = (
            self._read_frames(manifest)
            if validated_frames is None
            else {frames.frame_key(f.function, f.params): f for f in validated_frames}
        )
        self._check_universe_bars()
        self._articles = self._read_news()
        self._documents = self._read_documents()
        for problem in self.problems:
            log.warning("%s: %s", self.label, problem)

    # ------------------------------------------------------------------------------------------- FrameSource

    def fetch(self, function: str, params: Mapping[str, Any]) -> pd.DataFrame:
        key = frames.frame_key(function, params)
        recorded = self._frames.get(key)
        if recorded is None:
            shown = ", ".join(f"{k}={v!r}" for k, v in key[1]) or "no params"
            raise NotFoundError(f"no {function} frame ({shown}) recorded in {self.label}")
        out = frames.filter_params(function, recorded.df, params).copy()
        out.attrs["source"] = function
        return out

    def recorded(self, function: str, params: Mapping[str, Any]) -> pd.DataFrame:
        """The whole recorded frame of a call, without copying or date filtering: read-only, for MarketData's
        memo (start_date / end_date in `params` are ignored). NotFoundError as in fetch()."""
        recorded = self._frames.get(frames.frame_key(function, params))
        if recorded is None:
            return self.fetch(function, params)  # raises the NotFoundError
        return recorded.df

    def recorded_parts(self, function: str) -> list[tuple[dict[str, str], FramePart]]:
        """Every recorded frame of `function` (params, part), in manifest order: a cached snapshot keeps its
        per-stock bar frames as parts of one frame, which MarketData then types in one pass."""
        return [(dict(f.params), f.part) for f in self._frames.values() if f.function == function]

    def trading_days(self) -> list[dt.date] | None:
        """None: a snapshot has no calendar of its own; MarketData derives it from the recorded bars."""
        return None

    def calls(self, function: str) -> list[dict[str, str]]:
        """Params of every recorded call of `function`, in manifest order (e.g. each fund_etf_scale_sse date)."""
        return [dict(f.params) for f in self._frames.values() if f.function == function]

    def universe(self) -> dict[str, str]:
        return dict(self._universe)

    def articles(self) -> list[Article]:
        return [a for a in self._articles if a.published_at <= self.info.as_of]

    def documents(self) -> list[Document]:
        return [d for d in self._documents if d.published_at is None or d.published_at <= self.info.as_of]

    # ---------------------------------------------------------------------------------------------- manifest

    @property
    def _manifest_file(self) -> str:
        return str(self.path / "manifest.json")

    def _fail(self, problem: str, file: Path | str | None = None) -> SnapshotError:
        return SnapshotError(str(file) if file is not None else self._manifest_file, problem)

    def _read_manifest(self) -> dict[str, Any]:
        if not self.path.is_dir():
            raise SnapshotError(
                str(self.path), "not a snapshot folder (expected a directory with manifest.json)"
            )
        file = self.path / "manifest.json"
        if not file.is_file():
            raise self._fail("missing: a v1 snapshot needs manifest.json at its top level")
        try:
            manifest = json.loads(file.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise self._fail(f"invalid JSON ({err})") from err
        if not isinstance(manifest, dict):
            raise self._fail("the manifest must be a JSON object")
        missing = [k for k in MANIFEST_KEYS if k not in manifest]
        if missing:
            raise self._fail(f"missing manifest key(s) {', '.join(missing)}")
        if manifest["format"] != FORMAT:
            raise self._fail(f"format is {manifest['format']!r}, expected {FORMAT!r}")
        return manifest

    def _read_info(self, manifest: dict[str, Any]) -> SourceInfo:
        try:
            trade_date = dt.date.fromisoformat(str(manifest["trade_date"]))
        except ValueError:
            raise self._fail(f"trade_date {manifest['trade_date']!r} is not a YYYY-MM-DD date") from None
        try:
            as_of = dt.datetime.fromisoformat(str(manifest["as_of"]))
        except ValueError:
            raise self._fail(f"as_of {manifest['as_of']!r} is not an ISO 8601 date-time") from None
        if as_of.tzinfo is None:
            raise self._fail(f"as_of {manifest['as_of']!r} has no time zone offset (e.g. +08:00)")
        if as_of.astimezone(CHINA_TZ).date() < trade_date:
            raise self._fail(f"as_of {manifest['as_of']!r} is before trade_date {trade_date}")
        origin = manifest["origin"]
        if origin not in ORIGINS:
            raise self._fail(f"origin {origin!r} is not one of {', '.join(ORIGINS)}")
        version = manifest.get("akshare_version")
        return SourceInfo(
            origin=origin,
            trade_date=trade_date,
            as_of=as_of,
            akshare_version=str(version) if version else None,
        )

    def _read_universe(self, manifest: dict[str, Any]) -> dict[str, str]:
        items = manifest["universe"]
        if not isinstance(items, list) or not items:
            raise self._fail('universe must be a non-empty list of {"etf": code, "index": code}')
        universe: dict[str, str] = {}
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise self._fail(f"universe[{i}] must be an object with etf and index")
            for key in ("etf", "index"):
                value = item.get(key)
                if not isinstance(value, str) or not frames.CODE_RE.match(value):
                    raise self._fail(f"universe[{i}].{key} is {value!r}, not a 6-digit code string")
            if item["etf"] in universe:
                raise self._fail(f"universe[{i}] repeats ETF {item['etf']}")
            universe[item["etf"]] = item["index"]
        return universe

    # ------------------------------------------------------------------------------------------------ frames

    def _read_frames(self, manifest: dict[str, Any]) -> dict[frames.FrameKey, RecordedFrame]:
        entries = manifest["frames"]
        if not isinstance(entries, list):
            raise self._fail("frames must be a list of {function, params, file}")
        out: dict[frames.FrameKey, RecordedFrame] = {}
        where: dict[frames.FrameKey, int] = {}
        for i, entry in enumerate(entries):
            function, params, file = self._frame_entry(i, entry)
            key = frames.frame_key(function, params)
            if key in out:
                raise self._fail(
                    f"frames[{i}] duplicates the key of frames[{where[key]}]: {function} {params} "
                    "(start_date/end_date are not part of a frame's key)"
                )
            where[key] = i
            out[key] = RecordedFrame(
                function, params, file, FramePart.whole(self._read_frame(function, file))
            )
        return out

    def _frame_entry(self, i: int, entry: Any) -> tuple[str, dict[str, str], Path]:
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("function"), str)
            or not isinstance(entry.get("file"), str)
        ):
            raise self._fail(
                f"frames[{i}] must be an object with string function and file and a params object"
            )
        raw_params = entry.get("params", {})
        if not isinstance(raw_params, dict):
            raise self._fail(f"frames[{i}].params must be an object")
        function, params = entry["function"], frames.clean_params(raw_params)
        problem = frames.check_params(function, params)
        if problem:
            raise self._fail(f"frames[{i}]: {problem}")
        file = (self.path / entry["file"]).resolve()
        if not file.is_relative_to(self.path.resolve()):
            raise self._fail(f"frames[{i}].file {entry['file']!r} points outside the snapshot")
        if not file.is_file():
            raise self._fail(
                f"frame file does not exist (listed as frames[{i}] for {function} in manifest.json)",
                self.path / entry["file"],
            )
        return function, {k: v for k, v in params.items() if k not in frames.DATE_PARAMS}, file

    def _read_frame(self, function: str, file: Path) -> pd.DataFrame:
        try:
            df = frames.read_csv_frame(file, function, self.info.akshare_version)
        except pd.errors.EmptyDataError:
            raise self._fail("empty file: a frame CSV needs at least the header row", file) from None
        except (UnicodeDecodeError, pd.errors.ParserError) as err:
            raise self._fail(f"not a UTF-8 comma-separated CSV ({err})", file) from None
        except frames.FrameError as err:
            raise self._fail(str(err), file) from None
        if function == "index_stock_cons_weight_csindex":
            problem = frames.weight_sum_problem(df)
            if problem:
                raise self._fail(problem, file)
        kept = frames.filter_dates(function, df, end=self.info.trade_date)
        kept.attrs["source"] = function
        return kept

    def _check_universe_bars(self) -> None:
        day = self.info.trade_date
        for etf, index in self._universe.items():
            if not self._has_bar(
                "fund_etf_hist_em", {"symbol": etf, "period": "daily", "adjust": ""}, "日期"
            ):
                raise self._fail(
                    f"universe ETF {etf} has no fund_etf_hist_em bar on trade_date {day} "
                    f'(needs a frame with params symbol={etf}, period=daily, adjust="")'
                )
            if not any(
                self._has_bar("stock_zh_index_daily_em", {"symbol": p + index}, "date")
                for p in ("csi", "sh", "sz")
            ):
                raise self._fail(
                    f"universe index {index} (of ETF {etf}) has no stock_zh_index_daily_em bar on "
                    f"trade_date {day} (needs a frame with params symbol=csi{index})"
                )

    def _has_bar(self, function: str, params: dict[str, str], column: str) -> bool:
        recorded = self._frames.get(frames.frame_key(function, params))
        return recorded is not None and bool((recorded.df[column] == self.info.trade_date).any())

    # -------------------------------------------------------------------------------------------------- news

    def _news_problem(self, file: Path, line: int | None, problem: str) -> None:
        where = f"{file}:{line}" if line is not None else str(file)
        if self.strict_news:
            raise SnapshotError(where, problem)
        self.problems.append(f"{where}: {problem}")

    def _read_news(self) -> list[Article]:
        news_frames = [
            (r.df, r.params.get("symbol")) for r in self._frames.values() if r.function == "stock_news_em"
        ]
        return read_news(self.path, news_frames, self._news_problem)

    # --------------------------------------------------------------------------------------------- documents

    def _read_documents(self) -> list[Document]:
        return read_documents(self.path, self.problems)


def _fingerprint(path: Path) -> str:
    """Names, sizes and mtimes of every file in the snapshot, plus the parser's own code."""
    parser = (frames, frame_cells, frame_specs, frame_files, sys.modules[__name__])
    return files_fingerprint(path, [Path(str(module.__file__)) for module in parser])


def open_snapshot(path: Path | str, cache_dir: Path | None = None) -> SnapshotSource:
    """Load and validate a snapshot, reusing an earlier validation of the very same files.

    Validating and normalising a few hundred CSVs takes about a second, which dominates a cold `ask`. A snapshot
    does not change once written, so its validated frames are kept under `cache_dir` as Parquet plus a JSON index
    (data only: a cache folder may be writable by others, so nothing read from it can run code), keyed by the
    files' names, sizes and mtimes and by this parser's code: any edit to either re-validates."""
    path = Path(path)
    if cache_dir is None or not path.is_dir():
        return SnapshotSource(path)
    cached = cache_dir / "snapshots" / f"{path.name}-{_fingerprint(path)}"
    validated = _read_cached_frames(cached, path)
    if validated is not None:
        return SnapshotSource(path, validated_frames=validated)
    source = SnapshotSource(path)
    _write_cached_frames(cached, path, list(source._frames.values()))
    return source


def _read_cached_frames(folder: Path, snapshot: Path) -> list[RecordedFrame] | None:
    if not folder.is_dir():
        return None
    out = []
    root = snapshot.resolve()
    try:
        for part, record in read_frames(folder):
            function = str(record["function"])
            # Written relative to the resolved snapshot (a path check per file, not a resolve: ~0.1 ms each)
            name = Path(str(record["file"]))
            if name.is_absolute() or ".." in name.parts:
                raise ValueError(f"{folder} names a file outside the snapshot")
            source_file = root / name
            params = {str(k): str(v) for k, v in dict(record["params"]).items()}
            out.append(RecordedFrame(function, params, source_file, part))
    except (ValueError, KeyError, TypeError) as err:  # a corrupt cache entry is only a missed shortcut
        log.warning("ignoring unreadable snapshot cache %s: %s", folder, err)
        return None
    return out or None


def _write_cached_frames(folder: Path, snapshot: Path, recorded: list[RecordedFrame]) -> None:
    try:
        root = snapshot.resolve()
        records = [
            {"function": f.function, "params": f.params, "file": str(f.file.relative_to(root))}
            for f in recorded
        ]
        publish_folder(folder, lambda tmp: write_frames([(f.df, r) for f, r in zip(recorded, records)], tmp))
        for old in folder.parent.glob(f"{snapshot.name}-*.pickle"):  # caches of older versions: never opened
            old.unlink(missing_ok=True)
    except (OSError, ValueError) as err:
        log.warning("could not cache snapshot %s: %s", snapshot, err)
