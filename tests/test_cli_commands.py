"""The command table: every command registered once, benchmarks found by name, nothing set at import time."""

from __future__ import annotations

import os
import subprocess
import sys

from typer.testing import CliRunner

from assistant.cli import COMMANDS, app


def test_every_command_in_the_table_is_registered_once() -> None:
    names = [c.name for c in app.registered_commands]
    assert names == [c.name for c in COMMANDS] and len(set(names)) == len(names)
    assert {"ask", "chat", "explain", "ingest", "reindex", "record", "eval", "bench"} <= set(names)


def test_an_unknown_benchmark_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["bench", "nope"])
    assert result.exit_code == 2 and "retrieval" in result.output


def test_importing_the_benchmarks_sets_no_environment_variables() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    code = "import os, eval.bench.retrieval, eval.bench.answer; print(os.environ.get('HF_HUB_OFFLINE'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "None"


def test_bench_help_lists_the_benchmarks_and_a_benchmarks_help_reaches_its_parser() -> None:
    listing = CliRunner().invoke(app, ["bench", "--help"])
    assert listing.exit_code == 0 and "answer" in listing.output and "api" in listing.output
    own = CliRunner().invoke(app, ["bench", "answer", "--help"])
    assert own.exit_code == 0 and "--rounds" in own.output and "--no-cold" in own.output
