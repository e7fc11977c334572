"""The ETF -> index registry used in live mode (a snapshot's manifest universe takes precedence).

Shipped as assistant/data/etf_registry.json; users extend it with settings.etf_registry (same shape), whose
entries replace shipped ones with the same code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from assistant.errors import InputError

_CODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class EtfEntry:
    code: str
    index: str
    exchange: str
    name: str
    full_name: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndexEntry:
    code: str
    name: str
    name_en: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Registry:
    etfs: dict[str, EtfEntry] = field(default_factory=dict)
    indices: dict[str, IndexEntry] = field(default_factory=dict)

    def universe(self) -> dict[str, str]:
        """ETF code -> tracked index code."""
        return {code: e.index for code, e in self.etfs.items()}

    def index_names(self, index: str) -> set[str]:
        """Every name an index is known by (for cross-checking fund_overview_em 跟踪标的)."""
        entry = self.indices.get(index)
        return {entry.name, *(entry.aliases), *([entry.name_en] if entry.name_en else [])} if entry else set()


def shipped_registry_path() -> Path:
    return Path(str(resources.files("assistant") / "data" / "etf_registry.json"))


def load_registry(extra: Path | None = None) -> Registry:
    """The shipped registry merged with `extra` (entries in `extra` win). InputError names a bad file."""
    etfs: dict[str, EtfEntry] = {}
    indices: dict[str, IndexEntry] = {}
    for path in [shipped_registry_path(), *([extra] if extra else [])]:
        file_etfs, file_indices = _read(path)
        etfs.update(file_etfs)
        indices.update(file_indices)
    return Registry(etfs, indices)


def _read(path: Path) -> tuple[dict[str, EtfEntry], dict[str, IndexEntry]]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise InputError(f"ETF registry {path}: cannot read it ({err})") from err
    if not isinstance(raw, dict):
        raise InputError(f"ETF registry {path}: expected a JSON object with 'etfs' and 'indices'")
    etfs: dict[str, EtfEntry] = {}
    for i, item in enumerate(raw.get("etfs", [])):
        code, index = (
            _code(path, f"etfs[{i}].code", item, "code"),
            _code(path, f"etfs[{i}].index", item, "index"),
        )
        etfs[code] = EtfEntry(
            code,
            index,
            str(item.get("exchange") or _exchange(code)),
            str(item.get("name", code)),
            item.get("full_name"),
            tuple(item.get("aliases", ())),
        )
    indices: dict[str, IndexEntry] = {}
    for i, item in enumerate(raw.get("indices", [])):
        code = _code(path, f"indices[{i}].code", item, "code")
        indices[code] = IndexEntry(
            code, str(item.get("name", code)), item.get("name_en"), tuple(item.get("aliases", ()))
        )
    return etfs, indices


def _code(path: Path, where: str, item: Any, key: str) -> str:
    value = item.get(key) if isinstance(item, dict) else None
    if not isinstance(value, str) or not _CODE.match(value):
        raise InputError(f"ETF registry {path}: {where} must be a 6-digit code string, got {value!r}")
    return value


def _exchange(code: str) -> str:
    return "SSE" if code.startswith(("5", "6")) else "SZSE"
