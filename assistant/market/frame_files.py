"""Normalised frames on disk as Parquet, with a small JSON record in the schema metadata.

The one way caches store frames (the validated-snapshot cache and the live AKShare cache). Parquet is data only:
a cache folder may be writable by someone else, so nothing read back from it can run code, unlike a pickle.
Columns that held Python objects (strings, `datetime.date`) are restored as such, so a frame read back is
`equals` to the one written, dtypes included."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

META_KEY = b"market_assistant"


def write_frame(df: pd.DataFrame, path: Path, meta: dict[str, Any]) -> None:
    """Write atomically (a concurrent reader sees the old file or the new one). Raises OSError/ValueError."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    record = {
        **meta,
        "object_columns": [str(c) for c, dtype in df.dtypes.items() if dtype == np.dtype(object)],
    }
    table = pa.Table.from_pandas(df)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), META_KEY: json.dumps(record, ensure_ascii=False).encode("utf-8")}
    )
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    except (OSError, ValueError, pa.ArrowException) as err:
        tmp.unlink(missing_ok=True)
        raise ValueError(f"could not write {path}: {err}") from err


def read_frame(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The frame and its record. Raises ValueError for anything that is not such a file."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
        record = json.loads((table.schema.metadata or {})[META_KEY])
        if not isinstance(record, dict):
            raise ValueError("metadata is not an object")
        df = table.to_pandas()
        objects = [str(c) for c in record.get("object_columns", [])]
        df[objects] = df[objects].astype(object)  # Parquet reads Python-str columns back as StringDtype
    except Exception as err:  # pyarrow and a hostile file can raise many kinds
        raise ValueError(f"not a frame file: {path} ({err})") from err
    return df, record


def write_frames(items: Sequence[tuple[pd.DataFrame, dict[str, Any]]], folder: Path) -> None:
    """Many frames as few files, into an existing `folder`: frames with the same columns and dtypes share one
    Parquet file (a snapshot's hundred per-stock bar frames become one), because reading a file and converting
    it to pandas costs milliseconds each, which dominated a cold `ask`. `read_frames` splits them back, in order.
    Raises OSError/ValueError."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for position, (df, _) in enumerate(items):
        plain_index = isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1
        key = (tuple((str(c), str(t)) for c, t in df.dtypes.items()),) if plain_index else ("own", position)
        groups.setdefault(key, []).append(position)
    for number, positions in enumerate(groups.values()):
        frames = [items[p][0] for p in positions]
        merged = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        records = [{**items[p][1], "position": p, "rows": len(items[p][0])} for p in positions]
        write_frame(merged, folder / f"{number}.parquet", {"frames": records})


@dataclass(frozen=True)
class FramePart:
    """Rows [start, stop) of a frame that several recorded frames may share (a group file of `write_frames`).

    The part's own frame is built only when asked for (`frame()`): a cold `ask` reads few of a snapshot's
    hundreds of frames, and MarketData types a group of bar frames in one pass over `group` instead."""

    group: pd.DataFrame
    start: int
    stop: int

    @classmethod
    def whole(cls, df: pd.DataFrame) -> FramePart:
        return cls(df, 0, len(df))

    def frame(self) -> pd.DataFrame:
        """The part as a frame of its own (the group itself when the part is all of it)."""
        if self.start == 0 and self.stop == len(self.group):
            return self.group
        return self.group.iloc[self.start : self.stop].reset_index(drop=True)


def read_frames(folder: Path) -> list[tuple[FramePart, dict[str, Any]]]:
    """The frames `write_frames` wrote, in their original order, as parts of their group files' frames.
    Raises ValueError for anything else."""
    found: dict[int, tuple[FramePart, dict[str, Any]]] = {}
    for file in sorted(folder.glob("*.parquet")):
        merged, record = read_frame(file)
        records = record.get("frames")
        if not isinstance(records, list) or sum(int(r["rows"]) for r in records) != len(merged):
            raise ValueError(f"not a frame group file: {file}")
        start = 0
        for frame_record in records:
            rows = int(frame_record["rows"])
            found[int(frame_record["position"])] = (FramePart(merged, start, start + rows), frame_record)
            start += rows
    if sorted(found) != list(range(len(found))):
        raise ValueError(f"frames missing from {folder}")
    return [found[p] for p in range(len(found))]
