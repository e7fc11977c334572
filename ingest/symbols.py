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
    for frame in manifest.get("frames", []):
        function, file = frame.get("function"), frame.get("file")
        if function not in pairs or not file:
            continue
        try:  # the snapshot's own parsing path (text cells, then frames.normalise), parsed once per process
            if loaded is not None:
                params = {str(k): str(v) for k, v in (frame.get("params") or {}).items()}
                df = loaded.recorded(function, params)
            else:
                df = frames.read_csv_frame(snapshot / file, function, manifest.get("akshare_version"))
        except (OSError, ValueError, MarketAssistantError, pd.errors.EmptyDataError, pd.errors.ParserError):
            continue  # FrameError and UnicodeDecodeError are ValueErrors
        if function == "stock_individual_info_em":
            kv = dict(zip(_column(df, "item"), _column(df, "value")))
            if kv.get("股票简称") and kv.get("股票代码"):
                lexicon[str(kv["股票简称"])] = str(kv["股票代码"]).zfill(6)
            continue
        # Whole columns, row by row (a later row wins, as it always has): a hundred small frames' to_dict()
        # cost ~40 ms of a fresh store's first answer.
        columns = [(_column(df, name), _column(df, code)) for name, code in pairs[function]]
        for row in range(len(df)):
            for names, codes in columns:
                name, code = _cell(names[row]), _cell(codes[row])
                if name and code:
                    lexicon[name] = code.zfill(6)
    return lexicon


def _column(df: pd.DataFrame, name: str) -> list[object]:
    """A column's cells as Python objects (all None when the frame lacks it)."""
    return df[name].tolist() if name in df.columns else [None] * len(df)


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
