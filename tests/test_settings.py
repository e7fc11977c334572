"""Configuration reaches every layer through Settings: nothing below the edges reads the environment itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.market.model import CHINA_TZ, DOCUMENT_SUFFIXES, SNAPSHOT_FORMAT, origin_label
from eval.make_snapshots import default_cache_root


def test_the_eval_cache_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_cache_root(Settings(eval_cache=tmp_path)) == tmp_path
    monkeypatch.setenv("MARKET_ASSISTANT_EVAL_CACHE", str(tmp_path / "env"))
    assert default_cache_root() == tmp_path / "env"  # the environment, read by Settings


def test_ingest_tags_with_the_configured_registry(tmp_path: Path) -> None:
    from ingest.pipeline import _registry_lexicon

    extra = tmp_path / "registry.json"
    extra.write_text(
        json.dumps({"etfs": [{"code": "588000", "name": "科创50ETF测试", "aliases": ["科创测试"]}]}),
        encoding="utf-8",
    )
    shipped = _registry_lexicon()
    merged = _registry_lexicon(extra)
    assert "科创50ETF测试" not in shipped and merged["科创50ETF测试"] == "588000"
    assert merged.items() >= shipped.items()


def test_one_home_constants() -> None:
    assert SNAPSHOT_FORMAT == "market-snapshot/1"
    assert CHINA_TZ.utcoffset(None).total_seconds() == 8 * 3600
    assert {".md", ".txt", ".pdf", ".html"} <= set(DOCUMENT_SUFFIXES)
    assert (
        origin_label("sample") == "sample data" and origin_label("recorded", "zh") == "录制数据（recorded）"
    )
    assert origin_label("unheard-of") == "unheard-of"
