"""Answer commands: `ask`, `chat` and `explain`.

stdout carries only the answer (with --json: exactly one JSON object); progress and logs go to stderr.
Errors exit with code 2 and a message; a plain "no data" answer is still an answer (exit 0).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from typing import Annotated, Any

import typer

from assistant.cli.options import JsonOpt, LiveOpt, SessionOpt, SnapshotOpt, StoreOpt, fail, make_settings
from assistant.errors import MarketAssistantError


def ask(
    question: Annotated[
        str,
        typer.Argument(
            help="The question, e.g. 为什么560500今天上涨？ A question that starts "
            "with '-' goes after '--': market-assistant ask -- \"-5%算大跌吗？\""
        ),
    ],
    snapshot: SnapshotOpt = None,
    live: LiveOpt = False,
    as_json: JsonOpt = False,
    session: SessionOpt = None,
    store: StoreOpt = None,
) -> None:
    """Answer one question from the bundled sample (default), a snapshot or live data, with citations."""
    from assistant.engine import get_engine

    try:
        settings = make_settings(snapshot, live, store)
        engine = get_engine(settings, answerer="auto" if settings.llm_model else "offline")
        stream = None if as_json or not sys.stdout.isatty() else SentenceStream()
        answer, _ = engine.ask_with_session(question, session, on_sentence=stream)
    except (MarketAssistantError, ValueError, OSError) as err:
        fail(err)
    if as_json:
        sys.stdout.write(answer.model_dump_json() + "\n")
        return
    if stream is not None and stream.shown:
        stream.finish(answer)
        return
    _print_answer(answer)


def chat(
    snapshot: SnapshotOpt = None,
    live: LiveOpt = False,
    store: StoreOpt = None,
) -> None:
    """A terminal conversation: follow-ups ("那510500呢？", "what about yesterday?") use earlier turns.
    /new starts a new conversation, /quit (or Ctrl-D) leaves."""
    from rich.console import Console
    from rich.text import Text

    from assistant.engine import get_engine

    console = Console()
    try:
        settings = make_settings(snapshot, live, store)
        engine = get_engine(settings, answerer="auto" if settings.llm_model else "offline")
    except (MarketAssistantError, ValueError, OSError) as err:
        fail(err)
    info = engine.md.info
    console.print(
        Text.assemble(
            ("market-assistant", "bold"),
            f" · {info.origin} data, trade date {info.trade_date} "
            f"(as of {info.as_of.isoformat()}) · /new, /quit",
        )
    )
    session = engine.sessions.new_session()
    while True:
        try:
            question = console.input("[bold cyan]› [/bold cyan]")
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        q = question.strip()
        if not q:
            continue
        if q in ("/quit", "/exit", "/q"):
            return
        if q == "/new":
            session = engine.sessions.new_session()
            console.print("[dim]new conversation[/dim]")
            continue
        try:
            with console.status("thinking…"):
                answer = engine.ask(q, session)
        except MarketAssistantError as err:
            console.print(Text.assemble(("error: ", "red"), str(err)))
            continue
        _print_answer(answer, console)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class SentenceStream:
    """Prints an LLM answer's verified sentences as they arrive (terminal only), numbered like the final answer
    will be (citations in order of first appearance); `finish` prints the rest, or says the draft was replaced."""

    def __init__(self) -> None:
        self.released = ""
        self.shown = ""

    def __call__(self, sentence: str) -> None:
        from assistant.answer.evidence_pack import display_text

        self.released += sentence
        text = display_text(self.released)
        if text.startswith(self.shown):
            sys.stdout.write(
                _CONTROL.sub("", text[len(self.shown) :])
            )  # model text never drives the terminal
            sys.stdout.flush()
            self.shown = text

    def finish(self, answer: object) -> None:
        from rich.console import Console

        text = answer.answer  # type: ignore[attr-defined]
        shown = self.shown.strip()
        if text.startswith(shown):
            sys.stdout.write(_CONTROL.sub("", text[len(shown) :]) + "\n")
            sys.stdout.flush()
            _print_citations(answer, Console())
        else:
            sys.stdout.write("\n\n(the draft above was not published; the answer is:)\n\n")
            _print_answer(answer)


def _print_answer(answer: object, console: object | None = None) -> None:
    from assistant.render import print_answer

    print_answer(answer, console)  # type: ignore[arg-type]


def _print_citations(answer: object, con: Any) -> None:
    from assistant.render import print_citations

    print_citations(answer, con)


def explain(
    etf: Annotated[str, typer.Argument(help="ETF code, e.g. 560500.")],
    date: Annotated[
        str | None, typer.Option("--date", help="Trading day YYYY-MM-DD (default: the data's trade date).")
    ] = None,
    snapshot: SnapshotOpt = None,
    live: LiveOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Decompose an ETF's move on a day: index move, constituent and industry contributions, premium, flows."""
    from assistant.analysis.explain import explain_move
    from assistant.market.factory import open_market
    from assistant.render import explanation_json, print_explanation

    settings = make_settings(snapshot, live)
    try:
        day = dt.date.fromisoformat(date) if date else None
        md = open_market(settings)
        result = explain_move(md, etf, day)
    except (MarketAssistantError, ValueError) as err:
        fail(err)
    if as_json:
        typer.echo(json.dumps(explanation_json(result, md.info), ensure_ascii=False, indent=2))
    else:
        print_explanation(result, md.info)


__all__ = ["ask", "chat", "explain"]
