"""The `market-assistant` command line: one Typer app built from the `COMMANDS` table.

Modules: `options` (shared option types, settings from flags, `fail`), `answer_commands` (ask, chat, explain),
`data_commands` (ingest, reindex, record), `eval_commands` (eval, bench), `server_commands` (mcp, serve). Command modules import only
`options`, never this package, so there is no cycle; heavy modules are imported inside commands so start-up
stays fast. A new command is one function in a command module and one row here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import typer

from assistant.cli import answer_commands, data_commands, eval_commands, options, server_commands


@dataclass(frozen=True)
class Command:
    """A command's name, its function (Typer reads the options from the signature) and Typer's extra settings."""

    name: str
    function: Callable[..., Any]
    options: dict[str, Any] = field(default_factory=dict)


COMMANDS: tuple[Command, ...] = (
    Command("ask", answer_commands.ask),
    Command("chat", answer_commands.chat),
    Command("explain", answer_commands.explain),
    Command("ingest", data_commands.ingest),
    Command("reindex", data_commands.reindex),
    Command("record", data_commands.record),
    Command("eval", eval_commands.eval_cmd),
    Command(
        "bench",
        eval_commands.bench,
        {
            "context_settings": {"allow_extra_args": True, "ignore_unknown_options": True},
            "add_help_option": False,
        },
    ),
    Command("mcp", server_commands.mcp),
    Command("serve", server_commands.serve),
)

app = typer.Typer(
    help="Answers questions about A-share index ETFs with numbers it can prove and sources it cites.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.callback()(options.verbosity)
for _command in COMMANDS:
    app.command(name=_command.name, **_command.options)(_command.function)


def main() -> None:  # pragma: no cover - console entry when run as a module
    app()


__all__ = ["COMMANDS", "Command", "app", "main"]
