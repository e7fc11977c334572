"""The bad-input suite: every generated hostile file, broken snapshot, hostile question and argument gets a clean
per-item error or a correct answer (with a caveat where the data is doubtful); no crash, no hang, no data lost,
no unflagged wrong number. The corpus is generated at test time by tests/bad_input_corpus.py.

Prints the tally: tried / clean errors / accepted / crashes / hangs / data lost / wrong numbers."""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from bad_input_corpus import HOSTILE_ARGS, HOSTILE_QUESTIONS, snapshot_edits, write_files
from snapshot_factory import build_snapshot

from assistant.config import Settings, bundled_sample_path
from assistant.errors import MarketAssistantError

HANG_S = 60.0  # one item taking longer than this counts as a hang
EMBEDDER = "hash:64"
pytestmark = pytest.mark.slow


class Tally:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.bad: list[str] = []

    def record(self, kind: str, case: str, outcome: str, detail: str = "") -> None:
        self.counts["tried"] += 1
        self.counts[outcome] += 1
        self.counts[f"{kind}:tried"] += 1
        if outcome not in ("clean errors", "accepted"):
            self.bad.append(f"{outcome}: {kind} {case}: {detail}"[:400])

    def timed(self, kind: str, case: str, started: float, outcome: str, detail: str = "") -> None:
        took = time.monotonic() - started
        self.record(kind, case, "hangs" if took > HANG_S else outcome, detail or f"{took:.1f} s")

    def line(self) -> str:
        c = self.counts
        return (
            f"tried {c['tried']} / clean errors {c['clean errors']} / accepted {c['accepted']} / crashes "
            f"{c['crashes']} / hangs {c['hangs']} / data lost {c['data lost']} / wrong numbers "
            f"{c['wrong numbers']}  (files {c['file:tried']}, snapshots {c['snapshot:tried']}, questions "
            f"{c['question:tried']}, arguments {c['argument:tried']})"
        )


def _files(tmp: Path, tally: Tally) -> None:
    from assistant.retrieval.store import ChunkStore
    from ingest.pipeline import ingest_paths

    store = ChunkStore.open(Settings(store=tmp / "store"), embedder=EMBEDDER)
    control = tmp / "control.md"
    control.write_text("# 对照\n\n中证500质量成长指数每半年调整一次样本。", encoding="utf-8")
    before = ingest_paths([control], store)
    chunks = before.added[0].chunks
    for case in write_files(tmp / "files"):
        started = time.monotonic()
        try:
            report = ingest_paths([case.path], store)
        except Exception as exc:  # noqa: BLE001 - the tally's point: anything escaping is a crash
            tally.record("file", case.name, "crashes", f"{type(exc).__name__}: {exc}")
            continue
        ok_ids = [o.item for o in report.added + report.replaced + report.unchanged]
        if any(not o.reason for o in report.rejected):
            tally.record("file", case.name, "crashes", "rejection without a reason")
        elif "mixed" in case.name and not any(i.endswith(("-a", "-b")) for i in ok_ids):
            tally.record(
                "file", case.name, "data lost", "the good lines of a file with one bad line were lost"
            )
        elif case.name in _KEPT_TEXT and not _stored(store, ok_ids, _KEPT_TEXT[case.name]):
            tally.record("file", case.name, "data lost", f"{_KEPT_TEXT[case.name]!r} not stored as text")
        elif ok_ids and _longest_chunk(store, ok_ids) > MAX_CHUNK_CHARS:
            tally.record("file", case.name, "hangs", "an unbounded chunk (minutes of embedding)")
        else:
            tally.timed("file", case.name, started, "accepted" if ok_ids else "clean errors")
    manifest = store.manifest()
    got = store.collection.get(where={"citation_id": "control"})["ids"]
    if "control" not in manifest or len(got) != chunks or not store.revision() or store.lexicon() is None:
        tally.record("file", "control", "data lost", f"control document: {len(got)} of {chunks} chunks")


# Files whose text must arrive intact: Big5 used to be stored as GB18030 mojibake, U+2028/U+0085 split lines.
_KEPT_TEXT = {"doc:big5.txt": "鎢價上漲", "jsonl:u2028:alone": "第二句", "jsonl:u0085:alone": "第二句"}
MAX_CHUNK_CHARS = 2000  # a chunk is its piece (<= 360) plus a bounded header: a 400k-character title was one


def _chunks(store: Any, ids: list[str]) -> list[str]:
    got = store.collection.get(where={"citation_id": {"$in": ids}}, include=["documents"])
    return [d or "" for d in got["documents"]]


def _stored(store: Any, ids: list[str], text: str) -> bool:
    return any(text in d for d in _chunks(store, ids))


def _longest_chunk(store: Any, ids: list[str]) -> int:
    return max((len(d) for d in _chunks(store, ids)), default=0)


def _snapshots(tmp: Path, tally: Tally) -> None:
    from assistant.analysis.explain import explain_move
    from assistant.market.factory import open_market

    for name, (frames_edit, manifest_edit) in snapshot_edits().items():
        started = time.monotonic()
        try:
            snap = build_snapshot(tmp / "snaps" / name, edit_frames=frames_edit, edit_manifest=manifest_edit)
            md = open_market(Settings(snapshot=snap, store=tmp / "snap-store"))
            result = explain_move(md, "560500", None)
        except MarketAssistantError as exc:
            tally.timed("snapshot", name, started, "clean errors", str(exc))
            continue
        except Exception as exc:  # noqa: BLE001
            tally.record("snapshot", name, "crashes", f"{type(exc).__name__}: {exc}")
            continue
        moves = [result.etf_return_pct, result.index_return_pct] + [
            c.return_pct for c in result.attribution.constituents if c.return_pct is not None
        ]
        wild = [m for m in moves if m is None or m != m or abs(m) > 31.0]
        premium = result.premium.premium_pct if result.premium is not None else None
        if premium is not None and abs(premium) > 20.0:  # beyond arbitrage: a wrong price or IOPV
            wild.append(premium)
        flows = getattr(result, "flows", None)
        for change in (flows.day, flows.period) if flows is not None else ():
            if change is not None and min(change.units_start, change.units_end) > 0:
                ratio = max(change.units_start / change.units_end, change.units_end / change.units_start)
                if ratio >= 100:  # units jumping by orders of magnitude
                    wild.append(ratio)
        if wild and not result.warnings:
            tally.record("snapshot", name, "wrong numbers", f"moves {wild} without a warning")
        else:
            tally.timed("snapshot", name, started, "accepted")


_PERCENT = re.compile(r"(?<![\d.])[+-]?\d+(?:\.\d+)?\s*%")


def _injected(question: str, answer: str) -> list[str]:
    """Percentages the question asserts ("say it rose 50%") that the answer repeats."""
    said = {m.group().replace(" ", "").lstrip("+") for m in _PERCENT.finditer(answer)}
    return [
        p for p in (m.group().replace(" ", "").lstrip("+") for m in _PERCENT.finditer(question)) if p in said
    ]


def _questions(tmp: Path, tally: Tally) -> None:
    from assistant.engine import Engine
    from eval.scorers import unsupported_numbers

    engine = Engine(Settings(store=tmp / "q-store", embedder=EMBEDDER), progress=False)
    for i, question in enumerate(HOSTILE_QUESTIONS):
        case = f"#{i} {question[:40]!r}"
        started = time.monotonic()
        try:
            answer = engine.ask(question, session_id=None if i % 2 else "bad-input-suite")
        except MarketAssistantError as exc:
            tally.timed("question", case, started, "clean errors", str(exc))
            continue
        except Exception as exc:  # noqa: BLE001
            tally.record("question", case, "crashes", f"{type(exc).__name__}: {exc}")
            continue
        _, unsupported, surfaces = unsupported_numbers(answer)
        injected = _injected(question, answer.answer)
        if injected:
            tally.record(
                "question", case, "wrong numbers", f"injected {injected} in the answer: {answer.answer[:200]}"
            )
        elif unsupported and not answer.warnings:
            tally.record("question", case, "wrong numbers", f"unsupported {surfaces}")
        else:
            tally.timed("question", case, started, "accepted")


def _arguments(tmp: Path, tally: Tally, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    monkeypatch.setenv("MARKET_ASSISTANT_STORE", str(tmp / "arg-store"))
    monkeypatch.setenv("MARKET_ASSISTANT_EMBEDDER", EMBEDDER)
    runner = CliRunner()
    for args in HOSTILE_ARGS:
        started = time.monotonic()
        result = runner.invoke(app, args)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            tally.record(
                "argument",
                str(args)[:60],
                "crashes",
                f"{type(result.exception).__name__}: {result.exception}",
            )
        else:
            tally.timed(
                "argument", str(args)[:60], started, "accepted" if result.exit_code == 0 else "clean errors"
            )


def test_bad_input_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    assert bundled_sample_path().is_dir()
    tally = Tally()
    started = time.monotonic()
    _files(tmp_path, tally)
    _snapshots(tmp_path, tally)
    _questions(tmp_path, tally)
    _arguments(tmp_path, tally, monkeypatch)
    with capsys.disabled():
        print(f"\nbad-input tally: {tally.line()} in {time.monotonic() - started:.0f} s")
    c = tally.counts
    assert c["file:tried"] + c["snapshot:tried"] >= 200 and c["question:tried"] + c["argument:tried"] >= 100
    assert not tally.bad, "\n".join(tally.bad)
