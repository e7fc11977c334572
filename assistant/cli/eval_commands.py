"""Evaluation commands: `eval` (run a dataset, write report.json / report.md / a PNG, gate on thresholds) and
`bench` (the benchmarks of `eval.bench`). Heavy imports happen inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def eval_cmd(
    dataset: Annotated[
        list[Path] | None,
        typer.Option(
            "--dataset", help="JSONL dataset file or folder (repeatable; default: the shipped eval/cases)."
        ),
    ] = None,
    snapshot: Annotated[
        Path | None,
        typer.Option(
            "--snapshot", help="Snapshot for cases whose snapshot is 'sample' (default: the bundled sample)."
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for report.json, report.md and the PNG.")] = Path(
        "eval-report"
    ),
    answerer: Annotated[
        list[str] | None,
        typer.Option(
            "--answerer", help="offline | llm | baseline | all (repeatable; default: offline and baseline)."
        ),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Parallel cases (default: min(4, CPUs)).")
    ] = None,
    thresholds: Annotated[
        Path | None, typer.Option("--thresholds", help="Thresholds JSON (default: eval/thresholds.json).")
    ] = None,
    no_gate: Annotated[bool, typer.Option("--no-gate", help="Always exit 0 (report only).")] = False,
    store: Annotated[
        Path | None, typer.Option("--store", help="Folder for the eval stores (default: the eval cache).")
    ] = None,
    category: Annotated[list[str] | None, typer.Option("--category", help="Only these categories.")] = None,
) -> None:
    """Run an evaluation dataset and write a report (JSON, Markdown, PNG); exit 1 when thresholds are missed."""
    from assistant.cli.options import make_settings
    from assistant.market.manifest import is_snapshot_folder
    from eval.dataset import DatasetError, default_dataset_paths, load_cases
    from eval.report import write_report
    from eval.runner import ANSWERERS, DEFAULT_ANSWERERS, check_thresholds, load_thresholds, run_eval

    settings = make_settings()
    names: list[str] = []
    for a in answerer or list(DEFAULT_ANSWERERS):
        for part in a.split(","):
            part = part.strip().lower()
            if part == "all":
                names += [n for n in ANSWERERS if n != "llm"]
                if settings.llm_model:
                    names.append("llm")
            elif part in ANSWERERS:
                names.append(part)
            elif part:
                raise typer.BadParameter(
                    f"unknown answerer {part!r}; use offline, llm, baseline or all", param_hint="--answerer"
                )
    names = list(dict.fromkeys(names))
    if "llm" in names and not settings.llm_model:
        typer.echo("error: --answerer llm needs a model (MARKET_ASSISTANT_LLM_MODEL)", err=True)
        raise typer.Exit(code=2)
    files = [p for d in (dataset or []) for p in (sorted(d.glob("*.jsonl")) if d.is_dir() else [d])]
    try:
        cases = load_cases(files or None)
    except DatasetError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(code=2) from err
    if category:
        cases = [c for c in cases if c.category in set(category)]
    if not cases:
        typer.echo("error: no cases to run", err=True)
        raise typer.Exit(code=2)
    if snapshot is not None and not is_snapshot_folder(snapshot):
        typer.echo(f"error: {snapshot}: not a snapshot folder (no manifest.json)", err=True)
        raise typer.Exit(code=2)
    dataset_dir = files[0].parent if files else None
    try:
        run = run_eval(
            cases,
            names,
            settings=settings,
            default_snapshot=snapshot,
            workers=workers,
            store_root=store,
            dataset_dir=dataset_dir,
        )
    except (FileNotFoundError, KeyError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(code=2) from err
    run.dataset = [str(f) for f in (files or default_dataset_paths())]
    limits = load_thresholds(thresholds)
    gate = check_thresholds(run, limits)
    paths = write_report(run, out, gate=gate, thresholds=limits)
    _print_summary(run, gate, limits.get("answerer", "offline"))
    typer.echo("wrote " + ", ".join(str(p) for p in paths.values()))
    if gate and not no_gate:
        raise typer.Exit(code=1)


def _print_summary(run: object, gate: list[str], who: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from eval.report import METRICS, fmt

    table = Table(title=f"{len(run.cases)} cases")  # type: ignore[attr-defined]
    table.add_column("metric")
    for n in run.answerers:  # type: ignore[attr-defined]
        table.add_column(n, justify="right")
    summaries = {n: run.summary(n) for n in run.answerers}  # type: ignore[attr-defined]
    for key, label, kind in METRICS:
        table.add_row(label, *(fmt(summaries[n].get(key), kind) for n in run.answerers))  # type: ignore[attr-defined]
    console = Console()
    console.print(table)
    if gate:
        console.print(f"[bold red]gate ({who}) FAILED[/]")
        for line in gate:
            console.print(f"  - {line}", markup=False)  # lines quote answers: data, not markup
    elif who in run.answerers:  # type: ignore[attr-defined]
        console.print(f"[bold green]gate ({who}) passed[/]")


def bench(
    ctx: typer.Context,
    what: Annotated[str | None, typer.Argument(help="retrieval | answer | llm | api")] = None,
) -> None:
    """Benchmarks that print figures against a baseline (`bench NAME --help` lists a benchmark's options).

    Typer's own --help is off for this command so that `bench answer --help` reaches the benchmark's parser.
    """
    from eval.bench import BENCHMARKS, run

    if what is None or what in ("-h", "--help"):
        typer.echo(
            "Usage: market-assistant bench NAME [OPTIONS]\n\n"
            "Benchmarks that print figures against a baseline measured in the same run.\n"
            f"NAME is one of: {', '.join(BENCHMARKS)}. `bench NAME --help` lists its options."
        )
        raise typer.Exit(code=0 if what else 2)
    if what not in BENCHMARKS:
        raise typer.BadParameter(f"choose {' or '.join(BENCHMARKS)}", param_hint="NAME")
    raise typer.Exit(code=run(what, list(ctx.args)))


__all__ = ["bench", "eval_cmd"]
