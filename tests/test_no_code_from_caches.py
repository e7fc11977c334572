"""Nothing under a store, and no stray `.env`, can make the product run code or leak a key.

An attacker who can write into a store folder (or hands a user a folder with a crafted store in it) plants
pickles at every name a cache could have, and replaces every cache file the product wrote with one. The real
CLI must answer as before, without running the payload."""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from assistant.config import load_settings
from assistant.errors import InputError
from assistant.market.akshare_source import FrameCache

BIN = Path(sys.executable).with_name("market-assistant")


class _Payload:
    """Unpickling this runs `touch marker`: the proof that a pickle was loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"touch {self.marker}",)


def _plant(root: Path, marker: Path) -> int:
    """Overwrite every cache file with the payload and add a `.pickle`/`.pkl` twin next to each entry."""
    payload = pickle.dumps(_Payload(marker))
    planted = 0
    for path in sorted(root.rglob("*")):
        if path.is_file():
            path.write_bytes(payload)
            planted += 1
        for suffix in (".pickle", ".pkl"):
            path.with_name(path.name + suffix).write_bytes(payload)
            planted += 1
    return planted


def _ask(store: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONIOENCODING": "utf-8",
        "MARKET_ASSISTANT_STORE": str(store),
        "MARKET_ASSISTANT_USER_CACHE": str(cwd / "user-cache"),  # planted into too: this test's own
    }
    return subprocess.run(
        [str(BIN), "ask", "--json", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


@pytest.mark.slow
def test_planted_pickles_in_the_store_never_run(tmp_path: Path) -> None:
    store, marker = tmp_path / "store", tmp_path / "PWNED"
    first = _ask(store, tmp_path, "为什么560500今天上涨？")
    assert first.returncode == 0, first.stderr
    cache, user_cache = store / "cache", tmp_path / "user-cache"
    assert any(p.name.startswith("lexical-") for p in cache.rglob("*")), "the lexical index was not persisted"
    assert (user_cache / "snapshots").is_dir(), "the validated snapshot was not cached"
    assert _plant(cache, marker) > 10 and _plant(user_cache, marker) > 10

    again = _ask(store, tmp_path, "为什么560500今天上涨？")
    assert again.returncode == 0, again.stderr
    assert not marker.exists(), "a planted pickle was loaded and ran code"
    before, after = json.loads(first.stdout), json.loads(again.stdout)
    assert after["answer"] == before["answer"] and after["facts"] == before["facts"]


def test_a_planted_akshare_cache_entry_is_a_miss_not_code(tmp_path: Path) -> None:
    cache, marker = FrameCache(tmp_path), tmp_path / "PWNED"
    now = dt.datetime(2026, 1, 9, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    params = {"symbol": "560500"}
    frame = pd.DataFrame({"日期": ["2026-01-09"], "收盘": [3.29]})
    cache.put("fund_etf_hist_em", params, frame, now)
    stored = cache.get("fund_etf_hist_em", params, now)
    assert stored is not None and stored.equals(frame)

    _plant(tmp_path, marker)
    assert cache.get("fund_etf_hist_em", params, now) is None
    assert not marker.exists()


def test_a_dot_env_in_the_current_folder_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    planted_store = tmp_path / "planted-store"
    (tmp_path / ".env").write_text(
        f"MARKET_ASSISTANT_STORE={planted_store}\nMARKET_ASSISTANT_LLM_BASE_URL=http://attacker.invalid/v1\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MARKET_ASSISTANT_ENV_FILE", raising=False)
    settings = load_settings()
    assert settings.store != planted_store and settings.llm_base_url is None


def test_a_named_env_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / "team.env"
    env_file.write_text("MARKET_ASSISTANT_AKSHARE_MIN_INTERVAL_S=2.5\n", encoding="utf-8")
    monkeypatch.setenv("MARKET_ASSISTANT_ENV_FILE", str(env_file))
    assert load_settings().akshare_min_interval_s == 2.5
    monkeypatch.setenv("MARKET_ASSISTANT_ENV_FILE", str(tmp_path / "missing.env"))
    with pytest.raises(InputError, match="does not exist"):
        load_settings()


def test_an_env_file_cannot_send_the_environment_s_llm_key_to_its_own_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / "hostile.env"
    env_file.write_text("MARKET_ASSISTANT_LLM_BASE_URL=http://attacker.invalid/v1\n", encoding="utf-8")
    monkeypatch.setenv("MARKET_ASSISTANT_LLM_API_KEY", "sk-secret")
    monkeypatch.delenv("MARKET_ASSISTANT_LLM_BASE_URL", raising=False)
    with pytest.raises(InputError, match=r"attacker\.invalid") as err:
        load_settings(env_file)
    assert "sk-secret" not in str(err.value)
    # A file that brings its own key for its own host is the user's choice.
    monkeypatch.delenv("MARKET_ASSISTANT_LLM_API_KEY")
    env_file.write_text(
        "MARKET_ASSISTANT_LLM_BASE_URL=http://127.0.0.1:8088/v1\nMARKET_ASSISTANT_LLM_API_KEY=local\n",
        encoding="utf-8",
    )
    assert load_settings(env_file).llm_base_url == "http://127.0.0.1:8088/v1"


def test_the_cli_refuses_such_an_env_file_with_one_line(tmp_path: Path) -> None:
    env_file = tmp_path / "hostile.env"
    env_file.write_text("MARKET_ASSISTANT_LLM_BASE_URL=http://attacker.invalid/v1\n", encoding="utf-8")
    env = {
        **os.environ,
        "MARKET_ASSISTANT_ENV_FILE": str(env_file),
        "MARKET_ASSISTANT_LLM_API_KEY": "sk-secret",
    }
    r = subprocess.run([str(BIN), "ask", "hi"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and "refusing to send the key" in r.stderr and "Traceback" not in r.stderr
    assert "sk-secret" not in r.stderr + r.stdout
