"""`market-assistant ask` end to end, as a user runs it (subprocess, fresh --store)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).with_name("market-assistant")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"}
    env.pop("MARKET_ASSISTANT_LLM_MODEL", None)
    return subprocess.run([str(BIN), "ask", *args], capture_output=True, text=True, env=env, timeout=180)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return tmp_path_factory.mktemp("cli-store")


def test_ask_zh_on_fresh_store(store):
    r = run("--store", str(store), "--json", "为什么560500今天上涨？")
    assert r.returncode == 0, r.stderr
    a = json.loads(r.stdout)  # exactly one JSON object on stdout
    assert "DEBUG" not in r.stderr  # a fresh store builds the BM25 index; bm25s's own debug lines stay quiet
    assert a["language"] == "zh" and a["data"] == {
        "origin": "sample",
        "as_of": "2026-01-09T15:00:00+08:00",
        "trade_date": "2026-01-09",
    }
    text = a["answer"]
    for s in ("1.60%", "1.64%", "厦门钨业", "越秀资本", "样例数据", "2026-01-09"):
        assert s in text
    assert "sina-20260109-560500" in {c["id"] for c in a["citations"]}
    subjects = {f["subject"] for f in a["facts"] if f["name"] == "constituent_contribution_pp"}
    assert {"600549", "000987"} <= subjects


def test_ask_en_text(store):
    r = run("--store", str(store), "Why did 560500 rise today?")
    assert r.returncode == 0, r.stderr
    for s in ("1.60%", "1.64%", "Xiamen Tungsten", "Yuexiu Capital", "sample data", "2026-01-09"):
        assert s in r.stdout
    assert "500质量成长ETF(560500)盘中涨近2%" in r.stdout  # the seed article, listed under the answer


def test_ask_errors_and_no_data(store):
    r = run("--store", str(store), "   ")
    assert r.returncode == 2 and "error" in r.stderr and r.stdout == ""
    nd = run("--store", str(store), "--json", "为什么999999今天上涨？")
    assert nd.returncode == 0 and json.loads(nd.stdout)["facts"] == []


def test_ask_on_generated_snapshot(tmp_path):
    from eval.snapshots.scenarios import generate_all

    snaps = {p.name: p for p in generate_all(tmp_path / "snaps")}
    r = run(
        "--snapshot",
        str(snaps["synthetic-159919-2025-12-16"]),
        "--store",
        str(tmp_path / "s"),
        "--json",
        "Why did 159919 rise today?",
    )
    assert r.returncode == 0, r.stderr
    a = json.loads(r.stdout)
    assert (
        a["answer"].startswith("**Correction")
        and "fell" in a["answer"]
        and a["data"]["origin"] == "synthetic"
    )


def test_a_question_starting_with_dashes_goes_after_double_dash(store):
    r = run("--store", str(store), "--json", "--", "---为什么560500今天上涨？")
    assert r.returncode == 0, r.stderr
    assert "1.60%" in json.loads(r.stdout)["answer"]
    assert (
        "--"
        in subprocess.run(
            [str(BIN), "ask", "--help"], capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"}
        ).stdout
    )
