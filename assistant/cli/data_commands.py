"""Data commands: `ingest`, `reindex` and `record` (snapshots and the document store)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.options import SnapshotOpt, StoreOpt, fail, make_settings
from assistant.errors import MarketAssistantError


def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Loose files or folders of articles and documents.")
    ] = None,
    snapshot: SnapshotOpt = None,
    store: StoreOpt = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Set a damaged store aside and ingest afresh.")
    ] = False,
) -> None:
    """Ingest a snapshot's news and documents (default: the bundled sample), or loose files, into the store."""
    from ingest.cli_support import run_ingest

    settings = make_settings(snapshot, store=store)
    raise typer.Exit(
        code=run_ingest(settings, paths or (), snapshot=snapshot if not paths else None, rebuild=rebuild)
    )


def reindex(store: StoreOpt = None) -> None:
    """Re-embed every stored chunk with the configured embedder (needed after switching embedders)."""
    from ingest.cli_support import run_reindex

    raise typer.Exit(code=run_reindex(make_settings(store=store)))


def record(
    out: Annotated[Path, typer.Option("--out", help="New snapshot folder to write.")],
    etf: Annotated[list[str], typer.Option("--etf", help="ETF code; repeat for several.")],
    store: StoreOpt = None,
) -> None:
    """Live only: record today's AKShare frames for these ETFs into a new v1 snapshot (origin `recorded`)."""
    from assistant.market.akshare_source import AkshareSource
    from assistant.market.record import record as record_snapshot

    settings = make_settings(store=store)
    try:
        path = record_snapshot(AkshareSource(settings), out, etf)
    except MarketAssistantError as err:
        fail(err)
    typer.echo(f"recorded snapshot: {path}")


__all__ = ["ingest", "record", "reindex"]
