"""Write an evaluation run as report.json, report.md and scores_by_category.png.

report.md: overall table (answerers side by side), per-category table, per-language line, the gate, and the
worst cases of each answerer with the diff between gold and answer (facts gold vs got, missing entities,
missing / forbidden / extra citations, unsupported numbers, forbidden text, the answer's opening).

Usage: `from eval.report import write_report` (never `import eval`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from eval.runner import CaseRun, EvalRun
from eval.scorers import CaseScore, aggregate

METRICS = [  # (key, label, kind)
    ("right", "right (correct answer or rightful abstention)", "pct"),
    ("correct", "correct", "pct"),
    ("incorrect", "incorrect", "pct"),
    ("abstained", "abstained", "pct"),
    ("abstention_correct", "abstention right", "pct"),
    ("numeric_accuracy", "numeric accuracy", "pct"),
    ("unsupported_numbers", "unsupported numbers", "int"),
    ("unsupported_rate", "unsupported rate", "pct"),
    ("entity_recall", "entity recall", "pct"),
    ("citation_precision", "citation precision", "num"),
    ("citation_recall", "citation recall", "num"),
    ("forbidden_citations", "forbidden citations", "int"),
    ("forbidden_text", "forbidden text", "int"),
    ("retrieval_recall_at_k", "retrieval recall@k", "num"),
    ("retrieval_mrr", "retrieval MRR", "num"),
    ("language_match", "language match", "pct"),
    ("latency_p50_ms", "latency p50 (ms)", "ms"),
    ("latency_p95_ms", "latency p95 (ms)", "ms"),
    ("errors", "errors", "int"),
    ("llm_written", "written by the LLM", "pct"),
    ("llm_repaired", "written by the LLM after repair", "pct"),
    ("fallback_rate", "fell back to offline", "pct"),
    ("fallback_reasons", "fallback reasons", "reasons"),
]


def fmt(value: Any, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "int":
        return str(int(value))
    if kind == "ms":
        return f"{value:.0f}" if value >= 10 else f"{value:.1f}"
    if kind == "reasons":  # {"grounding_failed": 3, ...} -> "grounding_failed×3"; none -> "–"
        return ", ".join(f"{k}×{v}" for k, v in value.items()) if isinstance(value, dict) and value else "–"
    return f"{value:.3f}"


def badness(s: CaseScore) -> tuple[float, ...]:
    c = s.citations
    return (
        s.error is not None,
        s.outcome == "incorrect",
        not s.abstention_right,
        sum(not f.ok for f in s.facts),
        len(s.unsupported),
        len(c.forbidden) if c else 0,
        len(s.forbidden_text),
        len(c.missing) if c else 0,
        sum(not ok for _, ok in s.entities),
        len(c.false_positive) if c else 0,
        not s.language_ok,
    )


def case_diff(r: CaseRun) -> list[str]:
    """Human-readable differences between gold and answer for one case."""
    s, g = r.score, r.case.gold
    out = []
    if s.error:
        out.append(f"error: {s.error}")
    if not s.abstention_right:
        out.append(f"expected {g.outcome}, got {'abstention' if s.abstained else 'an answer'}")
    for f in s.facts:
        if not f.ok:
            got = "absent" if f.got is None else f"{f.got:.6g}"
            out.append(f"fact {f.name}[{f.subject}]: gold {f.gold:.6g} ± {f.tolerance:g}, got {got}")
    missing_e = [e for e, ok in s.entities if not ok]
    if missing_e:
        out.append("entities not named: " + "; ".join(missing_e))
    c = s.citations
    if c is not None:
        if c.missing:
            out.append("must cite, not cited: " + ", ".join(c.missing))
        if c.forbidden:
            out.append("FORBIDDEN cited: " + ", ".join(c.forbidden))
        extra = [i for i in c.false_positive if i not in c.forbidden]
        if extra:
            out.append("cited, not in gold: " + ", ".join(extra))
    if s.unsupported:
        out.append("unsupported numbers: " + ", ".join(repr(u) for u in s.unsupported))
    if s.forbidden_text:
        out.append("forbidden text: " + ", ".join(repr(t) for t in s.forbidden_text))
    if not s.language_ok:
        out.append(f"language: expected {r.case.language}")
    return out


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _excerpt(text: str, n: int = 240) -> str:
    t = " ".join(text.split())
    return (t[:n] + "…") if len(t) > n else t


def markdown(run: EvalRun, gate: list[str] | None, thresholds: dict[str, Any] | None, worst: int = 8) -> str:
    names = run.answerers
    summaries = {n: run.summary(n) for n in names}
    parts = [
        "# Evaluation report",
        "",
        f"{len(run.cases)} cases · answerers: {', '.join(names)} · started {run.started} · {run.seconds:.1f} s",
        "",
        "Snapshots: "
        + ", ".join(f"`{k}`" for k in run.snapshots)
        + ". Dataset: "
        + ", ".join(f"`{Path(d).name}`" for d in run.dataset),
        "",
    ]
    if gate is not None:
        who = (thresholds or {}).get("answerer", "offline")
        parts += [f"**Gate ({who}): {'PASS' if not gate else 'FAIL'}**", ""]
        parts += [f"- {line}" for line in gate]
        parts.append("")
    if run.setup_errors:
        parts += ["Setup errors:", ""] + [f"- {k}: {v}" for k, v in run.setup_errors.items()] + [""]
    parts += [
        "## Overall",
        "",
        _md_table(
            ["metric", *names],
            [[label, *(fmt(summaries[n].get(key), kind) for n in names)] for key, label, kind in METRICS],
        ),
        "",
    ]
    # per category
    cats = sorted({c.category for c in run.cases})
    per = {n: run.by_category(n) for n in names}
    header = ["category", "n"]
    for n in names:
        header += [f"{n} right", f"{n} numeric", f"{n} cit. P/R", f"{n} unsupp.", f"{n} by LLM / fallbacks"]
    rows = []
    for cat in cats:
        n_cases = sum(c.category == cat for c in run.cases)
        row = [cat, str(n_cases)]
        for n in names:
            a = per[n].get(cat, {})
            row += [
                fmt(a.get("right"), "pct"),
                fmt(a.get("numeric_accuracy"), "pct"),
                f"{fmt(a.get('citation_precision'), 'num')}/{fmt(a.get('citation_recall'), 'num')}",
                fmt(a.get("unsupported_numbers"), "int"),
                f"{fmt(a.get('llm_written'), 'pct')} / {fmt(a.get('fallback_reasons'), 'reasons')}",
            ]
        rows.append(row)
    parts += ["## By category", "", _md_table(header, rows), ""]
    # per language
    lang_rows = []
    for lang in ("zh", "en"):
        row = [lang, str(sum(c.language == lang for c in run.cases))]
        for n in names:
            a = aggregate([s for s in run.scores(n) if s.language == lang])
            row += [fmt(a.get("right"), "pct"), fmt(a.get("language_match"), "pct")]
        lang_rows.append(row)
    parts += [
        "## By language",
        "",
        _md_table(
            ["language", "n", *[x for n in names for x in (f"{n} right", f"{n} language match")]], lang_rows
        ),
        "",
    ]
    # worst cases
    parts += ["## Worst cases", ""]
    for n in names:
        ranked = sorted(run.runs.get(n, []), key=lambda r: badness(r.score), reverse=True)
        bad = [r for r in ranked if any(badness(r.score))][:worst]
        parts += [
            f"### {n}: {sum(bool(any(badness(r.score))) for r in ranked)} case(s) with a difference",
            "",
        ]
        if not bad:
            parts += ["No differences from gold.", ""]
        for r in bad:
            parts.append(
                f"- **{r.case.id}** ({r.case.category}, {r.case.language}, `{r.snapshot}`): "
                f"{r.case.question} → {r.score.outcome}"
            )
            for line in case_diff(r):
                parts.append(f"  - {line}")
            if r.answer is not None:
                parts.append(f"  - answer: {_excerpt(r.answer.answer)}")
        parts.append("")
    return "\n".join(parts)


def to_json(run: EvalRun, gate: list[str] | None, thresholds: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "started": run.started,
        "seconds": round(run.seconds, 3),
        "dataset": run.dataset,
        "snapshots": run.snapshots,
        "answerers": run.answerers,
        "setup_errors": run.setup_errors,
        "thresholds": thresholds,
        "gate": None if gate is None else {"passed": not gate, "failures": gate},
        "summary": {n: run.summary(n) for n in run.answerers},
        "by_category": {n: run.by_category(n) for n in run.answerers},
        "cases": {
            n: [
                {
                    "id": r.case.id,
                    "category": r.case.category,
                    "language": r.case.language,
                    "snapshot": r.snapshot,
                    "question": r.case.question,
                    "turns": r.case.turns,
                    "score": r.score.to_dict(),
                    "diff": case_diff(r),
                    "answer": None if r.answer is None else r.answer.model_dump(mode="json"),
                }
                for r in run.runs.get(n, [])
            ]
            for n in run.answerers
        },
    }


def chart(run: EvalRun, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cats = sorted({c.category for c in run.cases})
    metrics = [
        ("right", "right: correct answer or rightful abstention"),
        ("numeric_accuracy", "numeric accuracy"),
        ("citation_recall", "citation recall"),
    ]
    fig, axes = plt.subplots(
        len(metrics), 1, figsize=(max(8, 0.75 * len(cats) + 2), 3.2 * len(metrics)), sharex=True
    )
    width = 0.8 / max(1, len(run.answerers))
    for ax, (key, title) in zip(axes, metrics):
        for i, n in enumerate(run.answerers):
            per = run.by_category(n)
            vals = [per.get(c, {}).get(key) for c in cats]
            xs = [j + (i - (len(run.answerers) - 1) / 2) * width for j in range(len(cats))]
            ax.bar(xs, [v if v is not None else 0 for v in vals], width, label=n)
            for x, v in zip(xs, vals):
                if v is None:
                    ax.text(x, 0.02, "n/a", ha="center", va="bottom", fontsize=6, rotation=90)
        ax.set_ylim(0, 1.05)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(loc="upper right", fontsize=8)
    axes[-1].set_xticks(range(len(cats)))
    axes[-1].set_xticklabels(cats, rotation=35, ha="right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(
    run: EvalRun, out: Path | str, *, gate: list[str] | None = None, thresholds: dict[str, Any] | None = None
) -> dict[str, Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "md": out / "report.md", "png": out / "scores_by_category.png"}
    paths["json"].write_text(
        json.dumps(to_json(run, gate, thresholds), ensure_ascii=False, indent=1, default=str),
        encoding="utf-8",
    )
    paths["md"].write_text(markdown(run, gate, thresholds), encoding="utf-8")
    chart(run, paths["png"])
    return paths


__all__ = ["case_diff", "chart", "markdown", "to_json", "write_report"]
