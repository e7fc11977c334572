"""Old vs new on the same cases: per-category 'right' and 'answers first' from two eval reports.

    market-assistant eval --answerer offline --no-gate --out NEW          # this tree
    (run the same with the previous release's code on sys.path)  --out OLD
    python -m eval.compare OLD/report.json NEW/report.json [--answerer offline]

Prints a Markdown table: n, right (correct answer or rightful abstention) and answers-first, old and new, per
category and overall. Reads only the reports: the two runs may come from different code.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _cases(report: dict[str, Any], answerer: str) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in report["cases"][answerer]}


def _right(case: dict[str, Any]) -> bool:
    s = case["score"]
    return s["outcome"] == "correct" or (s["expected"] == "abstain" and s["abstained"])


def _pct(values: list[bool]) -> str:
    return f"{100 * sum(values) / len(values):.0f}%" if values else "–"


def table(old: dict[str, Any], new: dict[str, Any], answerer: str = "offline") -> str:
    """The Markdown table over the cases both reports hold."""
    before, after = _cases(old, answerer), _cases(new, answerer)
    shared = [i for i in after if i in before]
    groups: dict[str, list[str]] = {}
    for case_id in shared:
        groups.setdefault(after[case_id]["category"], []).append(case_id)
    rows = ["| category | n | old right | new right | old first | new first |", "|---|---|---|---|---|---|"]

    def row(name: str, ids: list[str]) -> str:
        first = [i for i in ids if after[i]["score"].get("answers_first") is not None]
        return (
            f"| {name} | {len(ids)} | {_pct([_right(before[i]) for i in ids])} | "
            f"{_pct([_right(after[i]) for i in ids])} | "
            f"{_pct([bool(before[i]['score'].get('answers_first')) for i in first])} | "
            f"{_pct([bool(after[i]['score'].get('answers_first')) for i in first])} |"
        )

    rows += [row(name, ids) for name, ids in sorted(groups.items())]
    rows.append(row("**all**", shared))
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.compare", description=__doc__.split("\n")[0])
    ap.add_argument("old", type=Path)
    ap.add_argument("new", type=Path)
    ap.add_argument("--answerer", default="offline")
    args = ap.parse_args(argv)
    old = json.loads(args.old.read_text(encoding="utf-8"))
    new = json.loads(args.new.read_text(encoding="utf-8"))
    print(table(old, new, args.answerer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
