"""`market-assistant explain` end to end through the real console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent / "market-assistant"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=120)


def test_explain_json_on_the_bundled_sample() -> None:
    proc = run("explain", "560500", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert round(out["etf_return_pct"], 2) == 1.60
    assert round(out["index_return_pct"], 2) == 1.64
    assert abs(out["contribution_sum_pp"] + out["residual_pp"] - out["index_return_pct"]) < 1e-9
    assert {c["code"] for c in out["top_contributors"]} >= {"600549", "000987"}
    names = {f["name"] for f in out["figures"]}
    assert {"etf_units_change", "etf_scale_change_yuan", "constituent_contribution_pp"} <= names
    assert out["data"] == {
        "origin": "sample",
        "as_of": "2026-01-09T15:00:00+08:00",
        "trade_date": "2026-01-09",
    }


def test_explain_table_states_origin_and_flows() -> None:
    proc = run("explain", "560500")
    assert proc.returncode == 0, proc.stderr
    assert "厦门钨业" in proc.stdout and "越秀资本" in proc.stdout
    assert "+1,600万份" in proc.stdout and "+52.66 million yuan" in proc.stdout
    assert "sample data, as of 2026-01-09T15:00:00+08:00" in proc.stdout


def test_explain_unknown_etf_and_bad_snapshot_are_clear_errors(tmp_path: Path) -> None:
    proc = run("explain", "999999")
    assert proc.returncode == 2 and "999999" in proc.stderr and "Traceback" not in proc.stderr
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    proc = run("explain", "560500", "--snapshot", str(tmp_path))
    assert proc.returncode == 2 and "manifest.json" in proc.stderr and "Traceback" not in proc.stderr
