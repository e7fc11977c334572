"""Run a dataset through one or more answerers and score every case.

- One answerer instance per (answerer, snapshot), created once and shared by the worker threads (engines are
  thread-safe; creating one ingests the snapshot's news and documents into its store, which happens once).
- Each snapshot gets its own store folder under the eval cache, so one snapshot's articles can never be
  retrieved for another's questions and the user's own store is left alone.
- Cases run in a thread pool; a case's session turns run sequentially in its own session before the scored
  question. Latency is the scored question's wall time (warm: engine creation is excluded).
- A crash in one case is recorded as an error (scored incorrect), never aborts the run.

Usage: `from eval.runner import run_eval` (never `import eval`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from assistant.answer.schema import Answer
from assistant.config import Settings
from eval.dataset import Case
from eval.make_snapshots import default_cache_root, resolve_snapshot
from eval.scorers import CaseScore, Judge, aggregate, score_case

ANSWERERS = ("offline", "llm", "baseline")
DEFAULT_ANSWERERS = ("offline", "baseline")


class Answerer(Protocol):
    def ask(self, question: str, session_id: str | None = None) -> Answer: ...


AnswererFactory = Callable[[Settings], Answerer]


def engine_factory(mode: str) -> AnswererFactory:
    """The product's Engine in `mode` ("offline" or "llm")."""

    def make(settings: Settings) -> Answerer:
        from assistant.engine import Engine

        try:
            engine = Engine(settings, answerer=mode, progress=False)
        except TypeError:  # an Engine without the progress flag
            engine = Engine(settings, answerer=mode)
        getattr(engine, "searcher", None)  # open the store and ingest now, once, not inside the timed asks
        return engine

    return make


def baseline_factory(settings: Settings) -> Answerer:
    from eval.baseline import BaselineAnswerer

    return BaselineAnswerer(settings)


def factories_for(names: Sequence[str]) -> dict[str, AnswererFactory]:
    out: dict[str, AnswererFactory] = {}
    for name in names:
        if name == "baseline":
            out[name] = baseline_factory
        elif name in ("offline", "llm"):
            out[name] = engine_factory(name)
        else:
            raise ValueError(f"unknown answerer {name!r}; use one of {', '.join(ANSWERERS)}, all")
    return out


@dataclass
class CaseRun:
    case: Case
    answerer: str
    snapshot: str
    answer: Answer | None
    score: CaseScore


@dataclass
class EvalRun:
    """Everything a report needs."""

    cases: list[Case]
    answerers: list[str]
    runs: dict[str, list[CaseRun]] = field(default_factory=dict)
    snapshots: dict[str, str] = field(default_factory=dict)  # case snapshot name -> folder
    started: str = ""
    seconds: float = 0.0
    dataset: list[str] = field(default_factory=list)
    setup_errors: dict[str, str] = field(default_factory=dict)

    def scores(self, answerer: str) -> list[CaseScore]:
        return [r.score for r in self.runs.get(answerer, [])]

    def summary(self, answerer: str) -> dict[str, Any]:
        return aggregate(self.scores(answerer))

    def by_category(self, answerer: str) -> dict[str, dict[str, Any]]:
        cats: dict[str, list[CaseScore]] = {}
        for s in self.scores(answerer):
            cats.setdefault(s.category, []).append(s)
        return {c: aggregate(v) for c, v in sorted(cats.items())}


def _store_for(store_root: Path, snapshot: Path) -> Path:
    key = hashlib.sha256(str(snapshot.resolve()).encode()).hexdigest()[:10]
    return store_root / f"{snapshot.name}-{key}"


class _Pool:
    """Lazily created answerers, one per (answerer, snapshot folder), creation serialised per key."""

    def __init__(self, factories: dict[str, AnswererFactory], base: Settings, store_root: Path) -> None:
        self.factories, self.base, self.store_root = factories, base, store_root
        self._made: dict[tuple[str, Path], Answerer | BaseException] = {}
        self._locks: dict[tuple[str, Path], threading.Lock] = {}
        self._guard = threading.Lock()

    def settings_for(self, snapshot: Path) -> Settings:
        return self.base.model_copy(
            update={"snapshot": snapshot, "live": False, "store": _store_for(self.store_root, snapshot)}
        )

    def get(self, answerer: str, snapshot: Path) -> Answerer:
        key = (answerer, snapshot)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._made:
                try:
                    self._made[key] = self.factories[answerer](self.settings_for(snapshot))
                except BaseException as err:  # noqa: BLE001 - reported per case, the run goes on
                    self._made[key] = err
            made = self._made[key]
        if isinstance(made, BaseException):
            raise RuntimeError(f"cannot create the {answerer} answerer for {snapshot.name}: {made}") from made
        return made


def _progress(total: int, enabled: bool | None) -> Any:
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    p = Progress(
        TextColumn("[bold]eval[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=Console(stderr=True),
        transient=True,
    )
    p.start()
    p.add_task("", total=total)
    return p


def run_eval(
    cases: Sequence[Case],
    answerers: Sequence[str] | dict[str, AnswererFactory] = DEFAULT_ANSWERERS,
    *,
    settings: Settings | None = None,
    default_snapshot: Path | None = None,
    cache_root: Path | None = None,
    store_root: Path | None = None,
    dataset_dir: Path | None = None,
    workers: int | None = None,
    progress: bool | None = None,
    judge: Judge | None = None,
    k: int = 5,
) -> EvalRun:
    """Answer and score every case with every answerer. `answerers` are names or {name: factory}."""
    t0 = time.perf_counter()
    factories = factories_for(list(answerers)) if not isinstance(answerers, dict) else dict(answerers)
    base = settings or Settings()
    cache = Path(cache_root or default_cache_root(base))
    pool = _Pool(factories, base, Path(store_root or cache / "stores"))
    run = EvalRun(
        list(cases), list(factories), started=dt.datetime.now().astimezone().isoformat(timespec="seconds")
    )
    folders: dict[str, Path] = {}
    for case in cases:
        if case.snapshot not in folders:
            folders[case.snapshot] = resolve_snapshot(
                case.snapshot, default=default_snapshot, cache_root=cache, base_dir=dataset_dir
            )
    run.snapshots = {k_: str(v) for k_, v in folders.items()}
    run_id = uuid.uuid4().hex[:8]

    def one(name: str, case: Case) -> CaseRun:
        folder = folders[case.snapshot]
        answer: Answer | None = None
        err: str | None = None
        latency = 0.0
        try:
            engine = pool.get(name, folder)
            session = f"eval-{run_id}-{name}-{case.id}"
            for turn in case.turns:
                engine.ask(turn, session_id=session)
            start = time.perf_counter()
            answer = engine.ask(case.question, session_id=session if case.turns else None)
            latency = (time.perf_counter() - start) * 1000.0
            if not isinstance(answer, Answer):
                answer = Answer.model_validate(answer if isinstance(answer, dict) else answer.model_dump())
        except Exception as exc:  # noqa: BLE001 - a failing case is data for the report
            err = f"{type(exc).__name__}: {exc}"
            if os.environ.get("MARKET_ASSISTANT_EVAL_TRACEBACK"):
                traceback.print_exc()
        score = score_case(case, answer, answerer=name, latency_ms=latency, error=err, k=k)
        if judge is not None and answer is not None:
            try:
                score.judge = judge(case, answer)
            except Exception as exc:  # noqa: BLE001
                score.judge = {"error": float("nan")}
                score.error = score.error or f"judge: {exc}"
        return CaseRun(case, name, case.snapshot, answer, score)

    jobs = [(name, case) for name in factories for case in cases]
    n_workers = max(1, workers or min(4, os.cpu_count() or 1))
    bar = _progress(len(jobs), progress)
    results: dict[tuple[str, str], CaseRun] = {}
    try:
        # Warm each (answerer, snapshot) first, sequentially: ingest and model loading happen once, in order.
        for name in factories:
            for folder in sorted(set(folders.values())):
                try:
                    pool.get(name, folder)
                except RuntimeError as err:
                    run.setup_errors[f"{name}:{folder.name}"] = str(err)
        with ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="eval") as ex:
            futures = {ex.submit(one, name, case): (name, case.id) for name, case in jobs}
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                if bar is not None:
                    bar.update(bar.task_ids[0], advance=1, description=futures[fut][1])
    finally:
        if bar is not None:
            bar.stop()
    run.runs = {name: [results[(name, c.id)] for c in cases] for name in factories}
    run.seconds = time.perf_counter() - t0
    return run


# ------------------------------------------------------------------------------------------------ thresholds

DEFAULT_THRESHOLDS: dict[str, Any] = {
    "answerer": "offline",
    "numeric_accuracy": {"min": 1.0},
    "unsupported_numbers": {"max": 0},
    "citation_precision": {"min": 0.95},
    "citation_recall": {"min": 0.90},
    "abstention_correct": {"min": 1.0},
    "forbidden_citations": {"max": 0},
}


def load_thresholds(path: Path | None = None) -> dict[str, Any]:
    if path is None:
        shipped = Path(__file__).with_name("thresholds.json")
        path = shipped if shipped.is_file() else None
    if path is None:
        return dict(DEFAULT_THRESHOLDS)
    return json.loads(Path(path).read_text(encoding="utf-8"))


def check_thresholds(run: EvalRun, thresholds: dict[str, Any]) -> list[str]:
    """Failures as readable lines (empty: the gate passes). Only the configured answerer is gated."""
    who = thresholds.get("answerer", "offline")
    if who not in run.runs:
        return []
    summary = run.summary(who)
    failures = []
    if run.setup_errors:
        failures += [f"{who}: setup error {k}: {v}" for k, v in run.setup_errors.items() if k.startswith(who)]
    for metric, bound in thresholds.items():
        if metric == "answerer" or not isinstance(bound, dict):
            continue
        value = summary.get(metric)
        if value is None:
            continue
        if "min" in bound and value < bound["min"] - 1e-12:
            failures.append(f"{who}: {metric} = {value:.4g} < {bound['min']}")
        if "max" in bound and value > bound["max"] + 1e-12:
            failures.append(f"{who}: {metric} = {value:.4g} > {bound['max']}")
    if summary.get("errors"):
        failures.append(f"{who}: {summary['errors']} case(s) raised an error")
    return failures


__all__ = [
    "ANSWERERS",
    "DEFAULT_ANSWERERS",
    "DEFAULT_THRESHOLDS",
    "Answerer",
    "CaseRun",
    "EvalRun",
    "baseline_factory",
    "check_thresholds",
    "engine_factory",
    "factories_for",
    "load_thresholds",
    "run_eval",
]
