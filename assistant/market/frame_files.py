"""Normalised frames on disk as Parquet, with a small JSON record in the schema metadata.

The one way caches store frames (the validated-snapshot cache and the live AKShare cache). Parquet is data only:
a cache folder may be writable by someone else, so nothing read back from it can run code, unlike a pickle.
Columns that held Python objects (strings, `datetime.date`) are restored as such, so a frame read back is
`equals` to the one written, dtypes included."""

from __future__ import annotations

import json
import os
import threading
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
