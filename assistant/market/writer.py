"""SnapshotWriter: writes a v1 market snapshot (manifest, frames, news, documents).

Used by `record` (live frames) and by generators of sample / synthetic snapshots. Frames go through the same
normaliser as the readers before they are written, so a frame that would be rejected on load is rejected here,
at the point where the caller still knows which call produced it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from assistant.market import frames
from assistant.market.model import SNAPSHOT_FORMAT, Article

FORMAT = SNAPSHOT_FORMAT


class SnapshotWriter:
    """Collects frames, news and documents, then `finish()` writes manifest.json (and validates the result)."""

    def __init__(
        self,
        out_dir: Path | str,
        trade_date: dt.date,
        as_of: dt.datetime,
        origin: str,
        universe: Mapping[str, str] | Iterable[Mapping[str, str]],
        akshare_version: str | None = None,
    ) -> None:
        if as_of.tzinfo is None:
            raise ValueError("as_of must be time-zone aware (e.g. +08:00)")
        if origin not in ("recorded", "sample", "synthetic"):
            raise ValueError(f"origin {origin!r} is not one of recorded, sample, synthetic")
        self.out_dir = Path(out_dir)
        self.trade_date, self.as_of, self.origin = trade_date, as_of, origin
        self.akshare_version = akshare_version
        if isinstance(universe, Mapping):
            self.universe = [{"etf": e, "index": i} for e, i in universe.items()]
        else:
            self.universe = [{"etf": u["etf"], "index": u["index"]} for u in universe]
        self.notes: list[str] = []  # written to the manifest (e.g. constituents that failed to record)
        self._frames: list[dict[str, Any]] = []
        self._keys: set[frames.FrameKey] = set()
        self._names: set[str] = set()
        self._news: dict[str, list[dict[str, Any]]] = {}
        (self.out_dir / "frames").mkdir(parents=True, exist_ok=True)

    def add_frame(self, function: str, params: Mapping[str, Any], df: pd.DataFrame) -> Path:
        """Write one AKShare call's frame as frames/<function>_<params>.csv; returns the file path.

        start_date / end_date are dropped from the recorded params: they are filters, not part of the key."""
        key = frames.frame_key(function, params)
        if key in self._keys:
            raise ValueError(f"{function} {dict(key[1])} is already in the snapshot")
        problem = frames.check_params(function, params)
        if problem:
            raise ValueError(problem)
        normalised = frames.normalise(function, df, akshare_version=None)
        name = self._file_name(function, dict(key[1]))
        path = self.out_dir / "frames" / name
        frames.for_csv(function, normalised).to_csv(path, index=False, encoding="utf-8")
        self._keys.add(key)
        self._frames.append({"function": function, "params": dict(key[1]), "file": f"frames/{name}"})
        return path

    def add_article(self, article: Article | Mapping[str, Any], file: str = "news.jsonl") -> None:
        """Queue one news article for news/<file>; published_at must be tz-aware."""
        record = _article_record(article)
        self._news.setdefault(file, []).append(record)

    def add_news_jsonl(self, name: str, articles: Iterable[Article | Mapping[str, Any]]) -> None:
        """Queue a whole news/<name>.jsonl file."""
        file = name if name.endswith(".jsonl") else f"{name}.jsonl"
        for article in articles:
            self.add_article(article, file)

    def add_document(self, name: str, content: str | bytes) -> Path:
        """Write documents/<name> (name keeps its extension and may contain sub-folders)."""
        path = self.out_dir / "documents" / name
        if not path.resolve().is_relative_to((self.out_dir / "documents").resolve()):
            raise ValueError(f"document name {name!r} points outside documents/")
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def finish(self, validate: bool = True) -> Path:
        """Write news files and manifest.json; with `validate`, load the result (SnapshotError if broken)."""
        if self._news:
            (self.out_dir / "news").mkdir(exist_ok=True)
        for file, records in self._news.items():
            lines = [json.dumps(r, ensure_ascii=False) for r in records]
            (self.out_dir / "news" / file).write_text("\n".join(lines) + "\n", encoding="utf-8")
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "trade_date": self.trade_date.isoformat(),
            "as_of": self.as_of.isoformat(),
            "origin": self.origin,
            "akshare_version": self.akshare_version,
            "universe": self.universe,
            "frames": self._frames,
        }
        if self.notes:
            manifest["notes"] = self.notes
        (self.out_dir / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        if validate:
            from assistant.market.snapshot import SnapshotSource

            SnapshotSource(self.out_dir)
        return self.out_dir

    def _file_name(self, function: str, params: dict[str, str]) -> str:
        parts = [function, *(re.sub(r"[^A-Za-z0-9.-]+", "-", v) for v in params.values() if v)]
        stem = "_".join(p for p in parts if p.strip("-"))
        name, n = f"{stem}.csv", 2
        while name in self._names:
            name, n = f"{stem}_{n}.csv", n + 1
        self._names.add(name)
        return name


def _article_record(article: Article | Mapping[str, Any]) -> dict[str, Any]:
    record = asdict(article) if isinstance(article, Article) else dict(article)
    published = record.get("published_at")
    if isinstance(published, dt.datetime):
        if published.tzinfo is None:
            raise ValueError(f"article {record.get('id')!r}: published_at must be time-zone aware")
        record["published_at"] = published.isoformat()
    if isinstance(record.get("symbols"), tuple):
        record["symbols"] = list(record["symbols"])
    missing = [k for k in ("id", "title", "published_at", "body") if not record.get(k)]
    if missing:
        raise ValueError(f"article {record.get('id')!r} lacks {', '.join(missing)}")
    return record
