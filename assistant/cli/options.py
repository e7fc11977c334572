"""What every command shares: the option types, one `Settings` per invocation built from flags, and `fail`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from assistant.config import Settings, load_settings
from assistant.errors import MarketAssistantError

SnapshotOpt = Annotated[
    Path | None, typer.Option("--snapshot", help="Snapshot folder (default: the bundled sample).")
]
LiveOpt = Annotated[bool, typer.Option("--live", help="Use live AKShare data instead of a snapshot.")]
StoreOpt = Annotated[Path | None, typer.Option("--store", help="Store folder (Chroma, sessions, caches).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
SessionOpt = Annotated[
    str | None, typer.Option("--session", help="Session id: follow-ups resolve against it.")
]


def make_settings(snapshot: Path | None = None, live: bool = False, store: Path | None = None) -> Settings:
    """Command-line flags override the environment; everything below receives this one object."""
    overrides: dict[str, Any] = {}
    if snapshot is not None:
        overrides["snapshot"] = snapshot
    if live:
        overrides["live"] = True
    if store is not None:
        overrides["store"] = store
    if snapshot is not None and live:
        raise typer.BadParameter("use either --snapshot or --live, not both")
    try:
        return load_settings(**overrides)
    except MarketAssistantError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(code=2) from None


def verbosity(
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            help="Show the assistant's steps on stderr (-v: INFO, e.g. the LLM's tool calls, drafts, sentence "
            "check, repair and fallback; -vv: DEBUG). Also MARKET_ASSISTANT_LOG_LEVEL.",
        ),
    ] = 0,
) -> None:
    """Configure logging once, at the edge (the app's callback); everything below only logs."""
    import logging
    import sys

    level = {0: None, 1: logging.INFO}.get(verbose, logging.DEBUG)
    if level is None:
        try:
            named = logging.getLevelName(load_settings().log_level.upper())
        except (MarketAssistantError, ValueError):  # bad settings: the command itself reports them properly
            named = logging.WARNING
        level = named if isinstance(named, int) else logging.WARNING
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    ours = ("assistant", "ingest", "eval")
    for name in ours:
        logging.getLogger(name).setLevel(level)
    # Libraries below WARNING stay quiet even when they raise their own level (bm25s sets DEBUG on import).
    for handler in logging.getLogger().handlers:
        handler.addFilter(
            lambda record: record.levelno >= logging.WARNING or record.name.split(".")[0] in ours
        )


def fail(err: Exception) -> NoReturn:
    """Print the error's sentence on stderr and exit with code 2 (bad input or data, not a crash)."""
    typer.echo(f"error: {err}", err=True)
    raise typer.Exit(code=2)


__all__ = ["JsonOpt", "LiveOpt", "SessionOpt", "SnapshotOpt", "StoreOpt", "fail", "make_settings"]
