"""Answer latency benchmark: warm offline answers (p50/p95), cold `ask` (fresh and warm store), baseline.

    python -m eval.bench.answer [--store DIR] [--questions FILE.jsonl] [--rounds N] [--no-cold]

Warm = one Engine, every question answered once to warm caches (explanations, searches are memoised per
Toolbox, the embedder loaded), then timed over `rounds` passes with the caches cleared between passes except
the market data frames: this measures the answerer, intent, templates, retrieval and grounding per question.
Baselines from the same run: explain_move alone (the attribution every move answer needs) for warm answers, and
a bare `python -c "import pandas, pydantic, chromadb"` for cold ones (the libraries any answer needs).
Cold figures are medians of `--cold-runs` processes, with bytecode cached as an installed package has it. A
fresh store keeps the per-user cache (validated snapshot, jieba's dictionary) as a machine that has answered
before does; `cold_first_run_ever_s` starts with it empty.
Targets (issue 8): cold `ask` on an existing store <= 1.3x that bare import, fresh-store cold <= 2.5 s,
warm p50 <= 10 ms and p95 <= 40 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

from eval.bench.metrics import percentile


def load_questions(path: str | None) -> list[str]:
    """The questions of an eval dataset: by default the shipped cases over the bundled sample."""
    source = Path(path) if path else Path(str(resources.files("eval") / "cases" / "sample.jsonl"))
    questions = [
        json.loads(line)["question"]
        for line in source.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    if not questions:
        raise SystemExit(f"no questions in {source}")
    return questions


def warm(store: Path, questions: list[str], rounds: int) -> dict[str, float]:
    from assistant.analysis.explain import explain_move
    from assistant.config import Settings
    from assistant.engine import Engine

    engine = Engine(Settings(store=store), progress=False)
    for q in questions:  # warm-up: store opened, embedder loaded, frames parsed
        engine.ask(q)
    times: list[float] = []
    for _ in range(rounds):
        engine.toolbox._cache.clear()  # noqa: SLF001 - measure the work, not the memo
        for q in questions:
            t0 = time.perf_counter()
            engine.ask(q)
            times.append((time.perf_counter() - t0) * 1000)
    memo: list[float] = []
    for q in questions:  # the memoised path a repeated question takes in a running server
        t0 = time.perf_counter()
        engine.ask(q)
        memo.append((time.perf_counter() - t0) * 1000)
    base: list[float] = []
    for _ in range(max(3, rounds)):
        t0 = time.perf_counter()
        explain_move(engine.md, next(iter(engine.md.universe())))
        base.append((time.perf_counter() - t0) * 1000)
    return {
        "questions": len(questions),
        "warm_p50_ms": percentile(times, 50),
        "warm_p95_ms": percentile(times, 95),
        "memo_p50_ms": percentile(memo, 50),
        "memo_p95_ms": percentile(memo, 95),
        "baseline_explain_move_p50_ms": percentile(base, 50),
    }


def cold(question: str, runs: int = 3) -> dict[str, float]:
    """Each cold figure is the median of `runs` processes, alternating with the baseline's, so that a busy moment
    of a shared machine moves both sides alike rather than one single reading."""
    exe = Path(sys.executable).with_name("market-assistant")
    # As installed: pip compiles a package's bytecode when it installs it. A checkout run with
    # PYTHONDONTWRITEBYTECODE=1 would compile every module edited since its last .pyc in every process (~0.1 s
    # for this package, more than any user pays), so bytecode is written, by one untimed ask first.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONIOENCODING"] = "utf-8"
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [str(exe), "ask", "--store", tmp, "--json", question], capture_output=True, env=env, check=True
        )

    def timed(label: str, command: list[str], extra: dict[str, str] | None = None) -> None:
        t0 = time.perf_counter()
        subprocess.run(command, capture_output=True, env={**env, **(extra or {})}, check=True)
        samples.setdefault(label, []).append(time.perf_counter() - t0)

    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            for label in ("cold_fresh_store_s", "cold_warm_store_s"):  # a new store, then the same one again
                timed(label, [str(exe), "ask", "--store", tmp, "--json", question])
        with (
            tempfile.TemporaryDirectory() as tmp
        ):  # a new store and an empty per-user cache: a first run ever
            user_cache = {"MARKET_ASSISTANT_USER_CACHE": str(Path(tmp) / "user-cache")}
            timed("cold_first_run_ever_s", [str(exe), "ask", "--store", tmp, "--json", question], user_cache)
        timed("cli_import_s", [sys.executable, "-c", "import assistant.cli"])
        timed("baseline_bare_import_s", [sys.executable, "-c", "import pandas, pydantic, chromadb"])
    out = {label: percentile(values, 50) for label, values in samples.items()}
    out["cold_warm_store_vs_bare_import"] = out["cold_warm_store_s"] / out["baseline_bare_import_s"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, default=None)
    ap.add_argument("--questions", default=None)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-cold", action="store_true")
    ap.add_argument(
        "--cold-runs", type=int, default=3, help="processes per cold figure (the median is shown)"
    )
    args = ap.parse_args(argv)
    questions = load_questions(args.questions)
    with tempfile.TemporaryDirectory() as tmp:
        result = warm(args.store or Path(tmp), questions, args.rounds)
    if not args.no_cold:
        result.update(cold(questions[0], max(1, args.cold_runs)))
    result["targets"] = {
        "warm_p50_ms": 10,
        "warm_p95_ms": 40,
        "cold_warm_store_vs_bare_import": 1.3,
        "cold_fresh_store_s": 2.5,
    }
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
