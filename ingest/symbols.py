"""Which securities a piece of text is about: explicit codes plus known names from a caller-supplied lexicon.

Tagging at ingest time is what makes "news about 厦门钨业" findable with a code filter (`symbols=["600549"]`)
even when the article only names the company. The lexicon is a plain name -> code Mapping, so the tagger does not
depend on the market layer; `lexicon_from_snapshot` builds one from a snapshot's own frames, read through the
market layer's one parsing path.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from assistant.errors import MarketAssistantError
from assistant.market import frames
from assistant.market.frame_files import FramePart
from assistant.market.frame_source import FrameSource
from assistant.market.manifest import read_manifest
from assistant.retrieval.entities import SymbolTagger

__all__ = ["SymbolTagger", "lexicon_from_registry", "lexicon_from_snapshot"]


def lexicon_from_snapshot(snapshot: Path, loaded: FrameSource | None = None) -> dict[str, str]:
    """name -> code from a snapshot's recorded frames (constituent names, ETF and index names).

    Reads manifest.json and the CSVs it lists through the snapshot's parsing path (frames.normalise), or takes the
    frames from `loaded`, the same snapshot already loaded (a process that answers has it: reading a hundred CSVs
    again was a third of a fresh store's first answer). Columns follow the snapshot format (AKShare names).
    Missing or malformed frames just contribute nothing: the lexicon improves tagging, it is never required.
    """
    lexicon: dict[str, str] = {}
    try:
        manifest = read_manifest(snapshot)
    except (OSError, ValueError):
        return lexicon
    pairs = {
        "index_stock_cons_weight_csindex": [
            ("成分券名称", "成分券代码"),
            ("成分券英文名称", "成分券代码"),
            ("指数名称", "指数代码"),
            ("指数英文名称", "指数代码"),
        ],
        "fund_etf_spot_em": [("名称", "代码")],
        "fund_overview_em": [("基金简称", "基金代码"), ("基金全称", "基金代码")],
        "stock_individual_info_em": [],
    }
    parts = _Parts(loaded) if loaded is not None else None
    for frame in manifest.get("frames", []):
        function, file = frame.get("function"), frame.get("file")
        if function not in pairs or not file:
            continue
        try:  # the snapshot's own parsing path (text cells, then frames.normalise), parsed once per process
            if parts is not None:
                params = {str(k): str(v) for k, v in (frame.get("params") or {}).items()}
                cells = parts.cells(function, params)
            else:
                df = frames.read_csv_frame(snapshot / file, function, manifest.get("akshare_version"))
                cells = _Cells(df, 0, len(df), {})
        except (OSError, ValueError, MarketAssistantError, pd.errors.EmptyDataError, pd.errors.ParserError):
            continue  # FrameError and UnicodeDecodeError are ValueErrors
        if function == "stock_individual_info_em":
            kv = dict(zip(cells.column("item"), cells.column("value")))
            if kv.get("股票简称") and kv.get("股票代码"):
                lexicon[str(kv["股票简称"])] = str(kv["股票代码"]).zfill(6)
            continue
        columns = [(cells.column(name), cells.column(code)) for name, code in pairs[function]]
        for row in range(len(cells)):  # row by row: a later row wins, as it always has
            for names, codes in columns:
                name, code = _cell(names[row]), _cell(codes[row])
                if name and code:
                    lexicon[name] = code.zfill(6)
    return lexicon


class _Cells:
    """Rows [start, stop) of a frame, column by column as Python objects (all None for a missing column). A cached
    snapshot keeps a hundred per-stock frames as one group frame: read as slices of its columns (converted once
    per group) instead of a hundred frames split off and converted one by one (~28 ms of a fresh store's first
    answer)."""

    def __init__(
        self, df: pd.DataFrame, start: int, stop: int, converted: dict[tuple[int, str], list[object]]
    ) -> None:
        self.df, self.start, self.stop, self._converted = df, start, stop, converted

    def __len__(self) -> int:
        return self.stop - self.start

    def column(self, name: str) -> list[object]:
        if name not in self.df.columns:
            return [None] * len(self)
        key = (id(self.df), name)
        if key not in self._converted:
            self._converted[key] = self.df[name].tolist()
        return self._converted[key][self.start : self.stop]


class _Parts:
    """The loaded snapshot's recorded frames as `_Cells` of their group frames, one conversion per group column."""

    def __init__(self, loaded: FrameSource) -> None:
        self.loaded = loaded
        self._by_function: dict[str, dict[tuple[object, ...], FramePart]] = {}
        self._converted: dict[tuple[int, str], list[object]] = {}

    def cells(self, function: str, params: dict[str, str]) -> _Cells:
        """Raises NotFoundError (a MarketAssistantError) when the snapshot did not record that call."""
        if function not in self._by_function:
            self._by_function[function] = {
                frames.frame_key(function, p): part for p, part in self.loaded.recorded_parts(function)
            }
        part = self._by_function[function].get(frames.frame_key(function, params))
        if part is None:  # a source that keeps no parts: the frame itself
            df = self.loaded.recorded(function, params)
            return _Cells(df, 0, len(df), {})
        return _Cells(part.group, part.start, part.stop, self._converted)


def _cell(value: object) -> str:
    """A normalised cell as stripped text ('' for a missing one)."""
    return "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()


def lexicon_from_registry(registry: Path) -> dict[str, str]:
    """ETF names and aliases -> code from an etf_registry.json (shape: {"etfs": [{code, name, aliases}]})."""
    try:
        data = json.loads(registry.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out: dict[str, str] = {}
    for etf in data.get("etfs", []):
        code = str(etf.get("code", ""))
        for name in [etf.get("name"), etf.get("full_name"), *etf.get("aliases", [])]:
            if name and code:
                out[str(name)] = code
    return out
