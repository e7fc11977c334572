"""Untrusted text never breaks terminal output: titles, names, sources and warnings are printed, not parsed.

A news title containing `[/dim]` crashed `ask`, and since the item stays in the store every later `ask` did too."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from assistant.answer.schema import Answer, Citation, DataInfo
from assistant.render import print_answer

BIN = Path(sys.executable).with_name("market-assistant")
HOSTILE = [
    "[/dim]",
    "[/]",
    "[bold red]x[/bold red",
    "[link=file:///etc/passwd]x[/link]",
    "\x1b[2J\x1b[31m",
    "[[/]]",
]


def test_citation_fields_with_markup_are_printed_literally() -> None:
    answer = Answer(
        question="q",
        answer="**ok**",
        language="en",
        citations=[
            Citation(n=i + 1, id=f"id{i}", kind="news", title=f"钨价{h}", source=h, url=f"https://x/{h}")
            for i, h in enumerate(HOSTILE)
        ],
        data=DataInfo(origin="sample", as_of="2026-01-09T15:00:00+08:00", trade_date="2026-01-09"),
    )
    out = io.StringIO()
    print_answer(answer, Console(file=out, width=300, color_system=None))
    text = out.getvalue()
    for h in HOSTILE[:4]:
        assert f"钨价{h}" in text
    assert "\x1b" not in text  # control sequences from data are not passed to the terminal


@pytest.mark.slow
def test_a_stored_headline_with_markup_does_not_break_later_asks(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONIOENCODING": "utf-8",
        "MARKET_ASSISTANT_STORE": str(tmp_path / "store"),
        "MARKET_ASSISTANT_EMBEDDER": "hash:64",
        "COLUMNS": "300",
    }
    news = tmp_path / "n.jsonl"
    news.write_text(
        json.dumps(
            {
                "id": "evil-1",
                "title": "钼精矿[/dim][bold]报价",
                "source": "[/]src",
                "published_at": "2026-01-09T10:00:00+08:00",
                "body": "钼精矿报价创新高，钼精矿供应偏紧。",
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    r = subprocess.run([str(BIN), "ingest", str(news)], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    for _ in range(2):  # now, and later
        r = subprocess.run(
            [str(BIN), "ask", "钼精矿报价的新闻"], env=env, capture_output=True, text=True, timeout=300
        )
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
        assert "钼精矿[/dim][bold]报价" in r.stdout, r.stdout
