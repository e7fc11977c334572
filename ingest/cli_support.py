"""What `market-assistant ingest` / `reindex` call: run with progress, print the report, pick the exit code.

A rich progress bar on a terminal, plain one-line-per-step output otherwise (CI logs, pipes). Exit code 1 only when
nothing could be ingested: a batch with some rejected files is still a success, and the report says why.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.pipeline import IngestReport, Progress, ProgressCallback, ingest_paths, ingest_snapshot

if TYPE_CHECKING:
    from rich.console import Console

    from assistant.config import Settings


@contextmanager
def progress_reporter(console: "Console") -> Iterator[ProgressCallback]:
    """A ProgressCallback drawing a rich bar on terminals and printing plain lines elsewhere."""
    if console.is_terminal:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeElapsedColumn

        with Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                 console=console, transient=True) as bar:
            task = bar.add_task("reading", total=None)

            def update(p: Progress) -> None:
                label = {"load": "reading", "embed": "embedding chunks", "done": "done"}[p.stage]
                bar.update(task, description=p.message or label, completed=p.done, total=p.total or None)

            yield update
        return

    last: dict[str, Any] = {}

    def plain(p: Progress) -> None:
        key = (p.stage, p.done, p.total)
        if key != last.get("key"):
            last["key"] = key
            console.print(f"{p.stage}: {p.done}/{p.total} {p.message}".rstrip(), highlight=False)

    yield plain


def render_report(report: IngestReport, console: "Console") -> None:
    """Counts, then one line per rejected item with its reason, then notes (encodings, future-dated news)."""
    console.print(f"added {len(report.added)}, replaced {len(report.replaced)}, unchanged {len(report.unchanged)}, "
                  f"rejected {len(report.rejected)}; {report.chunks_written} chunks written in {report.seconds:.1f}s",
                  highlight=False)
    for o in report.rejected:
        console.print(f"  rejected {o.item}: {o.reason}", highlight=False, markup=False)
    for note in report.notes:
        console.print(f"  note: {note}", highlight=False, markup=False)


def exit_code(report: IngestReport) -> int:
    return 0 if report.ok else 1


def run_ingest(settings: "Settings", paths: Sequence[Path] = (), *, snapshot: Path | None = None,
               console: "Console | None" = None) -> int:
    """Ingest loose paths, or a snapshot (default: settings.snapshot_path when no paths are given)."""
    from rich.console import Console

    from assistant.errors import MarketAssistantError
    from assistant.retrieval.store import ChunkStore

    console = console or Console(stderr=True)
    try:
        store = ChunkStore.open(settings)
    except MarketAssistantError as exc:
        console.print(f"error: {exc}", highlight=False, markup=False)
        return 2
    with progress_reporter(console) as progress:
        if paths:
            report = ingest_paths(list(paths), store, max_file_bytes=settings.max_file_bytes, progress=progress)
        else:
            report = ingest_snapshot(snapshot or settings.snapshot_path, store,
                                     max_file_bytes=settings.max_file_bytes, progress=progress,
                                     registry=settings.etf_registry)
    render_report(report, console)
    return exit_code(report)


def run_reindex(settings: "Settings", console: "Console | None" = None) -> int:
    """Rebuild the store's vectors with settings.embedder (needed after changing MARKET_ASSISTANT_EMBEDDER)."""
    from rich.console import Console

    from assistant.retrieval.embedders import get_embedder
    from assistant.retrieval.store import CHUNKS, make_client, reindex

    console = console or Console(stderr=True)
    embedder = get_embedder(settings.embedder)
    location = settings.chroma_url or str(Path(settings.store) / "chroma")

    def progress(done: int, total: int) -> None:
        console.print(f"re-embedded {done}/{total} chunks", highlight=False)

    store = reindex(make_client(settings), embedder, name=CHUNKS, location=location, progress=progress)
    console.print(f"store at {location} now uses {embedder.name} ({store.count()} chunks)", highlight=False)
    return 0
