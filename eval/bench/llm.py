"""LLM benchmark: the eval cases through whatever OpenAI-compatible model is configured, per LLM mode, side by
side with the offline answerer of the same run.

    market-assistant bench llm [--dataset FILE] [--limit N] [--modes writer,agent] [--out DIR] [--timeout S]

Per mode: right %, numeric accuracy, unsupported numbers, citation precision/recall, the share of answers
actually written by the LLM (llm + llm_repaired), fallback reasons, time to the first verified sentence
(writer mode streams; agent mode releases nothing before its run ends, so its first sentence is its
latency), and latency p50/p95. Cases run one at a time: a local server has one slot. Scoring is the eval
suite's (eval/scorers.py), so "right" means the same thing as in `market-assistant eval`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from eval.bench.metrics import percentile

MODES = ("writer", "agent")


class _Recorder:
    """An Engine that remembers each answer's LLM record (timings, fallback reason) for the report."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.records: dict[str, dict[str, Any]] = {}

    def ask(self, question: str, session_id: str | None = None) -> Any:
        session = session_id or f"bench-{uuid.uuid4().hex[:8]}"
        started = time.perf_counter()
        answer, _ = self.engine.ask_with_session(question, session)
        seconds = time.perf_counter() - started
        record = dict((self.engine.sessions.last_context(session) or {}).get("llm") or {})
        record["latency_s"] = seconds
        self.records[question] = record
        return answer


def _factory(mode: str, recorders: dict[str, _Recorder], timeout: float | None) -> Any:
    def make(settings: Any) -> Any:
        from assistant.engine import Engine

        update: dict[str, Any] = {"llm_mode": mode}
        if timeout:
            update["llm_timeout_s"] = timeout
        engine = Engine(
            settings.model_copy(update=update),
            answerer="llm" if mode != "offline" else "offline",
            progress=False,
        )
        engine.warm()  # open the store and ingest now, not inside the timed asks
        recorders[mode] = _Recorder(engine)
        return recorders[mode]

    return make


def summarise(run: Any, recorders: dict[str, _Recorder]) -> dict[str, dict[str, Any]]:
    """One column per answerer: the eval metrics plus first-sentence times from the LLM records."""
    out: dict[str, dict[str, Any]] = {}
    for name in run.answerers:
        s = run.summary(name)
        records = [recorders[name].records.get(r.case.question, {}) for r in run.runs.get(name, [])]
        first = [
            rec.get("first_sentence_s", rec.get("latency_s"))
            for rec in records
            if rec.get("first_sentence_s") is not None or rec.get("latency_s") is not None
        ]
        if name == "offline":
            first = [r.score.latency_ms / 1000 for r in run.runs.get(name, [])]
        s["first_sentence_p50_s"] = percentile([f for f in first if f is not None], 50) if first else None
        s["model_seconds_p50"] = (
            percentile([r["model_seconds"] for r in records if "model_seconds" in r], 50)
            if any("model_seconds" in r for r in records)
            else None
        )
        out[name] = s
    return out


ROWS = [  # (key, label, kind)
    ("cases", "cases", "int"),
    ("right", "right", "pct"),
    ("numeric_accuracy", "numeric accuracy", "pct"),
    ("unsupported_numbers", "unsupported numbers", "int"),
    ("citation_precision", "citation precision", "num"),
    ("citation_recall", "citation recall", "num"),
    ("llm_written", "written by the LLM", "pct"),
    ("llm_repaired", "…of which repaired/replaced", "pct"),
    ("fallback_reasons", "fallback reasons", "reasons"),
    ("first_sentence_p50_s", "first sentence p50 (s)", "s"),
    ("latency_p50_ms", "latency p50 (s)", "ms_s"),
    ("latency_p95_ms", "latency p95 (s)", "ms_s"),
    ("errors", "errors", "int"),
]


def table(summaries: dict[str, dict[str, Any]]) -> str:
    from eval.report import fmt

    def cell(value: Any, kind: str) -> str:
        if value is None:
            return "–"
        if kind == "s":
            return f"{value:.2f}" if value < 10 else f"{value:.0f}"
        if kind == "ms_s":
            return cell(value / 1000, "s")
        return fmt(value, kind)

    names = list(summaries)
    lines = ["| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for key, label, kind in ROWS:
        lines.append(f"| {label} | " + " | ".join(cell(summaries[n].get(key), kind) for n in names) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="market-assistant bench llm", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dataset", action="append", help="eval cases (JSONL); default: the shipped datasets"
    )
    parser.add_argument("--limit", type=int, default=None, help="first N cases (spread over categories)")
    parser.add_argument("--modes", default="writer,agent", help="comma-separated: writer, agent")
    parser.add_argument("--out", type=Path, default=None, help="write bench-llm.json and bench-llm.md here")
    parser.add_argument("--timeout", type=float, default=None, help="llm_timeout_s for this run")
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if any(m not in MODES for m in modes):
        parser.error(f"--modes: choose from {', '.join(MODES)}")

    from assistant.config import Settings
    from eval.dataset import load_cases
    from eval.runner import run_eval

    settings = Settings()
    if not settings.llm_model:
        print(
            "error: no model configured (MARKET_ASSISTANT_LLM_MODEL / _BASE_URL / _API_KEY)", file=sys.stderr
        )
        return 2
    cases = spread(load_cases(args.dataset), args.limit)
    recorders: dict[str, _Recorder] = {}
    factories = {"offline": _factory("offline", recorders, None)}
    factories |= {m: _factory(m, recorders, args.timeout) for m in modes}
    run = run_eval(cases, factories, settings=settings, workers=1, progress=sys.stderr.isatty())
    summaries = summarise(run, recorders)
    text = (
        f"bench llm: {len(cases)} cases, model {settings.llm_model} at {settings.llm_base_url or 'default'}\n\n"
        + table(summaries)
    )
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "bench-llm.md").write_text(text + "\n", encoding="utf-8")
        per_case = {
            n: [
                {
                    "case": r.case.id,
                    "answerer": r.score.written_by,
                    "reason": r.score.fallback_reason,
                    "outcome": r.score.outcome,
                    "unsupported": r.score.unsupported,
                    "text": r.answer.answer if r.answer is not None else None,
                    **recorders[n].records.get(r.case.question, {}),
                }
                for r in run.runs.get(n, [])
            ]
            for n in run.answerers
        }
        (args.out / "bench-llm.json").write_text(
            json.dumps({"summary": summaries, "cases": per_case}, ensure_ascii=False, indent=1, default=str),
            encoding="utf-8",
        )
    return 0


def spread(cases: list[Any], limit: int | None) -> list[Any]:
    """The first `limit` cases taken round-robin over categories (a small run still covers several kinds)."""
    if not limit or limit >= len(cases):
        return cases
    by_cat: dict[str, list[Any]] = {}
    for c in cases:
        by_cat.setdefault(c.category, []).append(c)
    out: list[Any] = []
    while len(out) < limit:
        for group in by_cat.values():
            if group and len(out) < limit:
                out.append(group.pop(0))
    return out


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
