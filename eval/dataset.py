"""The evaluation dataset schema: one JSON object per line, validated with pydantic.

A case is a question (optionally preceded by session turns), the snapshot it is asked against, and the gold
answer a scorer compares with: facts with tolerances, entities that must be named, citation ids that must / must
not be cited, and whether the right outcome is an answer or an abstention. See eval/README.md for the fields.

Gold values are derived from the snapshot's CSVs by `eval/gold.py` (pandas, independent of the assistant code),
never from the answerer under test; `python -m eval.gold --check` verifies every gold fact in the datasets.

Usage: `from eval.dataset import load_cases` (never `import eval`: the package name shadows the builtin).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Category = Literal[
    "move_explanation",
    "false_premise",
    "top_weights",
    "flows",
    "premium",
    "quote",
    "methodology",
    "fund_facts",
    "news",
    "comparison",
    "relative_date",
    "unknown",
    "follow_up",
    "lookahead",
    "injection",
    "period_return",
    "multi_part",
    "focused",
    "advice",
    "forecast",
    "off_topic",
    "conversation",
    "resolver",
]
"""Categories of the shipped datasets; user datasets may use any string (reported as is)."""

RETRIEVAL_CATEGORIES = frozenset({"news", "methodology", "fund_facts", "lookahead"})
"""Cases whose must-cite ids are news/documents a retriever has to find: scored for recall@k and MRR."""


class GoldFact(BaseModel):
    """A number the answer must state in `facts`: same name and subject, |value - gold| <= tolerance."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Fact name from shared/specs/interfaces.md, e.g. etf_return_pct.")
    subject: str = Field(description="ETF/index/stock code or industry name the fact is about.")
    value: float = Field(description="Signed gold value in `unit` (returns in %, contributions in pp).")
    tolerance: float = Field(default=0.01, ge=0, description="Absolute tolerance in the fact's unit.")
    unit: str | None = Field(default=None, description="Informative; the answer's fact unit is not compared.")
    as_of: dt.date | None = Field(
        default=None, description="When set, the answer's fact must have this as_of date."
    )
    period_start: dt.date | None = Field(
        default=None,
        description=(
            "For a figure over a period (a *_period_* return, a units change): the baseline day whose close starts "
            "it. Used by eval/gold.py to recompute the value; not compared with the answer's fact."
        ),
    )


class Gold(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["answer", "abstain"] = "answer"
    facts: list[GoldFact] = Field(default_factory=list)
    entities: list[str | list[str]] = Field(
        default_factory=list,
        description="Each entry must be named in the answer text; a list entry is alternatives "
        "(code, Chinese name, English name): any one of them counts.",
    )
    must_cite: list[str | list[str]] = Field(
        default_factory=list,
        description="Citation ids the answer must cite; a list entry is alternatives (citing any one counts).",
    )
    may_cite: list[str] = Field(
        default_factory=list, description="Ids that are acceptable but not required (not false positives)."
    )
    must_not_cite: list[str] = Field(
        default_factory=list, description="Ids that must never be cited (look-ahead, injection)."
    )
    must_not_say: list[str] = Field(
        default_factory=list, description="Substrings that must not appear in the answer text."
    )
    answers_first: list[str] = Field(
        default_factory=list,
        description=(
            "What the answer's first sentence must contain (any one): `name:subject` of a gold fact (its value as "
            "printed), a code or name, or the reason it cannot answer (advice, forecast, off_topic, not_disclosed) or a greeting."
        ),
    )

    @model_validator(mode="after")
    def _consistent(self) -> Gold:
        clash = set(self.required_ids) & set(self.must_not_cite)
        if clash:
            raise ValueError(f"ids both required and forbidden: {sorted(clash)}")
        return self

    @property
    def cite_groups(self) -> list[list[str]]:
        return [[g] if isinstance(g, str) else list(g) for g in self.must_cite]

    @property
    def required_ids(self) -> list[str]:
        return [i for g in self.cite_groups for i in g]


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_.:-]{1,80}$")
    question: str = Field(min_length=1)
    language: Literal["zh", "en"]
    snapshot: str = Field(
        default="sample",
        description=(
            "'sample' (the default snapshot: the bundled sample, or --snapshot DIR), the name of a generated "
            "scenario (eval/make_snapshots.py), or a folder path (relative to the dataset file)."
        ),
    )
    turns: list[str] = Field(
        default_factory=list, description="Questions asked first in the same session (follow-ups)."
    )
    gold: Gold
    category: str
    notes: str = ""

    @field_validator("turns")
    @classmethod
    def _no_empty_turns(cls, value: list[str]) -> list[str]:
        if any(not t.strip() for t in value):
            raise ValueError("empty turn")
        return value

    @property
    def is_retrieval(self) -> bool:
        return self.category in RETRIEVAL_CATEGORIES and bool(self.gold.must_cite)


class DatasetError(ValueError):
    """A dataset line that does not follow the schema; the message names the file and line."""


def default_dataset_paths() -> list[Path]:
    """The shipped datasets: eval/cases/*.jsonl, sorted."""
    root = Path(__file__).resolve().parent / "cases"
    return sorted(root.glob("*.jsonl"))


def parse_cases(lines: Iterable[str], source: str = "<dataset>") -> list[Case]:
    cases: list[Case] = []
    seen: set[str] = set()
    for no, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            case = Case.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as err:
            raise DatasetError(f"{source}:{no}: {err}") from err
        if case.id in seen:
            raise DatasetError(f"{source}:{no}: duplicate case id {case.id!r}")
        seen.add(case.id)
        cases.append(case)
    return cases


def load_cases(paths: Path | str | Iterable[Path | str] | None = None) -> list[Case]:
    """Cases from one JSONL file, several, or a folder of them (default: the shipped datasets)."""
    if paths is None:
        files = default_dataset_paths()
    elif isinstance(paths, (str, Path)):
        p = Path(paths)
        files = sorted(p.glob("*.jsonl")) if p.is_dir() else [p]
    else:
        files = [Path(p) for p in paths]
    out: list[Case] = []
    seen: set[str] = set()
    for f in files:
        if not f.is_file():
            raise DatasetError(f"{f}: dataset file not found")
        for case in parse_cases(f.read_text(encoding="utf-8").splitlines(), str(f)):
            if case.id in seen:
                raise DatasetError(f"{f}: duplicate case id {case.id!r} across files")
            seen.add(case.id)
            out.append(case)
    return out


def dump_cases(cases: Iterable[Case], path: Path | str) -> None:
    """Write cases as JSONL (one line each, UTF-8, defaults omitted) — used by `eval.gold --fill`."""
    lines = [json.dumps(c.model_dump(mode="json", exclude_defaults=True), ensure_ascii=False) for c in cases]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


__all__ = [
    "RETRIEVAL_CATEGORIES",
    "Case",
    "Category",
    "DatasetError",
    "Gold",
    "GoldFact",
    "default_dataset_paths",
    "dump_cases",
    "load_cases",
    "parse_cases",
]
