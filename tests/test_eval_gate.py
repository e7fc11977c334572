"""The CI gate: the offline answerer over the whole shipped dataset must meet eval/thresholds.json, and
`market-assistant eval --out DIR` must write its three report files.

Budget: ~20 s per full offline pass on 2 cores (engines are shared per snapshot; ingestion with the default
embedder happens once per snapshot into a store in a temporary folder). Marked `slow` (real embedder).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval.dataset import load_cases
from eval.runner import check_thresholds, load_thresholds, run_eval

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def eval_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("eval-cache")


@pytest.fixture(scope="module")
def offline_run(eval_cache: Path):
    return run_eval(load_cases(), ["offline"], cache_root=eval_cache, workers=2, progress=False)


def test_offline_answerer_meets_the_thresholds(offline_run) -> None:
    thresholds = load_thresholds()
    summary = offline_run.summary("offline")
    assert summary["cases"] >= 80
    failures = check_thresholds(offline_run, thresholds)
    worst = [
        f"{r.case.id}: {r.score.outcome}"
        for r in offline_run.runs["offline"]
        if r.score.outcome == "incorrect" or not r.score.abstention_right
    ][:15]
    assert not failures, "\n".join([*failures, "incorrect cases (first 15):", *worst])


def test_no_forbidden_citation_or_injected_text(offline_run) -> None:
    """Look-ahead and injection articles never cited, and the injected "50%" never said, whatever else fails."""
    summary = offline_run.summary("offline")
    assert summary["forbidden_citations"] == 0
    assert summary["forbidden_text"] == 0


def test_no_eval_answer_is_blank_after_grounding(offline_run) -> None:
    """Over every eval question: the answer body (before its source line) keeps at least one line."""
    blank = [
        r.case.id
        for r in offline_run.runs["offline"]
        if r.answer is not None
        and not [
            line
            for line in r.answer.answer.split("\n")
            if line.strip() and not line.startswith(("数据来源：", "Source: "))
        ]
    ]
    assert not blank, blank


def test_new_answers_lead_with_what_was_asked(offline_run) -> None:
    """The issue-9 and review cases (ids a-..., eval/cases/issue9.jsonl, issue9_open.jsonl, issue8_review.jsonl) all
    answer in their first sentence."""
    missed = [
        r.case.id
        for r in offline_run.runs["offline"]
        if r.case.id.startswith("a-") and r.score.answers_first is False
    ]
    assert not missed, missed


def test_cli_eval_writes_the_three_report_files(
    eval_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.cli import app

    monkeypatch.setenv("MARKET_ASSISTANT_EVAL_CACHE", str(eval_cache))
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["eval", "--out", str(out), "--workers", "2"])
    assert result.exit_code in (0, 1), result.output  # 1 = thresholds missed; 2 or a crash is a bug
    for name in ("report.json", "report.md", "scores_by_category.png"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert set(report["summary"]) == {"offline", "baseline"}
    assert report["gate"]["passed"] == (result.exit_code == 0)
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## By category" in md and "baseline" in md and "offline" in md
