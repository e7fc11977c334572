"""The `market-assistant` command line. Heavy modules are imported inside commands so start-up stays fast."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from assistant.config import Settings
from assistant.errors import MarketAssistantError

app = typer.Typer(help="Answers questions about A-share index ETFs with numbers it can prove and sources it cites.",
                  no_args_is_help=True, pretty_exceptions_enable=False)

SnapshotOpt = Annotated[Optional[Path], typer.Option("--snapshot", help="Snapshot folder (default: the bundled sample).")]
LiveOpt = Annotated[bool, typer.Option("--live", help="Use live AKShare data instead of a snapshot.")]
StoreOpt = Annotated[Optional[Path], typer.Option("--store", help="Store folder (Chroma, sessions, caches).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


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
    return Settings(**overrides)


def fail(err: Exception) -> None:
    typer.echo(f"error: {err}", err=True)
    raise typer.Exit(code=2)


def main() -> None:  # pragma: no cover - console entry when run as a module
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
