"""The `market-assistant` command line. Heavy modules are imported inside commands so start-up stays fast."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from assistant.config import Settings, load_settings
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
    try:
        return load_settings(**overrides)
    except MarketAssistantError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(code=2) from None


def fail(err: Exception) -> None:
    typer.echo(f"error: {err}", err=True)
    raise typer.Exit(code=2)


@app.command()
def explain(
    etf: Annotated[str, typer.Argument(help="ETF code, e.g. 560500.")],
    date: Annotated[Optional[str], typer.Option("--date", help="Trading day YYYY-MM-DD (default: the data's trade date).")] = None,
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


@app.command()
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


@app.command()
def ingest(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Loose files or folders of articles and documents.")] = None,
    snapshot: SnapshotOpt = None,
    store: StoreOpt = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Set a damaged store aside and ingest afresh.")] = False,
) -> None:
    """Ingest a snapshot's news and documents (default: the bundled sample), or loose files, into the store."""
    from ingest.cli_support import run_ingest

    settings = make_settings(snapshot, store=store)
    raise typer.Exit(code=run_ingest(settings, paths or (), snapshot=snapshot if not paths else None,
                                     rebuild=rebuild))


@app.command()
def reindex(store: StoreOpt = None) -> None:
    """Re-embed every stored chunk with the configured embedder (needed after switching embedders)."""
    from ingest.cli_support import run_reindex

    raise typer.Exit(code=run_reindex(make_settings(store=store)))


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def bench(
    ctx: typer.Context,
    what: Annotated[str, typer.Argument(help="retrieval | answer")],
) -> None:
    """Benchmarks that print figures against a baseline (`bench retrieval --help`, `bench answer --help`)."""
    if what == "retrieval":
        from assistant.bench.retrieval import main as run
    elif what == "answer":
        from assistant.bench.answer import main as run
    else:
        raise typer.BadParameter("choose retrieval or answer", param_hint="WHAT")
    raise typer.Exit(code=run(list(ctx.args)) or 0)


from assistant.cli_answer import ask, chat  # noqa: E402  (command modules import the app's helpers)
from assistant.cli_eval import eval_cmd  # noqa: E402
from assistant.cli_mcp import mcp  # noqa: E402

app.command()(ask)
app.command()(chat)
app.command(name="eval")(eval_cmd)
app.command()(mcp)


def main() -> None:  # pragma: no cover - console entry when run as a module
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
