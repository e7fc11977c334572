"""`market-assistant ask` and `market-assistant chat` (registered in assistant/cli.py).

stdout carries only the answer (with --json: exactly one JSON object); progress and logs go to stderr.
Errors exit with code 2 and a message; a plain "no data" answer is still an answer (exit 0).
"""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from assistant.cli import JsonOpt, LiveOpt, SnapshotOpt, StoreOpt, fail, make_settings
from assistant.errors import MarketAssistantError

SessionOpt = Annotated[Optional[str], typer.Option("--session", help="Session id: follow-ups resolve against it.")]


def ask(
    question: Annotated[str, typer.Argument(help="The question, e.g. 为什么560500今天上涨？ A question that starts "
                                            "with '-' goes after '--': market-assistant ask -- \"-5%算大跌吗？\"")],
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
        answer = engine.ask(question, session)
    except (MarketAssistantError, ValueError, OSError) as err:
        fail(err)
        return
    if as_json:
        sys.stdout.write(answer.model_dump_json() + "\n")
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

    from assistant.engine import get_engine

    from rich.text import Text

    console = Console()
    try:
        settings = make_settings(snapshot, live, store)
        engine = get_engine(settings, answerer="auto" if settings.llm_model else "offline")
    except (MarketAssistantError, ValueError, OSError) as err:
        fail(err)
        return
    info = engine.md.info
    console.print(Text.assemble(("market-assistant", "bold"), f" · {info.origin} data, trade date {info.trade_date} "
                                f"(as of {info.as_of.isoformat()}) · /new, /quit"))
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


def _print_answer(answer: object, console: object | None = None) -> None:
    from assistant.render import print_answer

    print_answer(answer, console)  # type: ignore[arg-type]


__all__ = ["ask", "chat"]
