"""What `market-assistant ingest` / `reindex` call: run with progress, print the report, pick the exit code.

A rich progress bar on a terminal, plain one-line-per-step output otherwise (CI logs, pipes). Exit code 1 only when
nothing could be ingested: a batch with some rejected files is still a success, and the report says why.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.pipeline import ingest_paths, ingest_snapshot
from ingest.report import IngestReport, Progress, ProgressCallback

if TYPE_CHECKING:
    from rich.console import Console

    from assistant.config import Settings


@contextmanager
def progress_reporter(console: Console) -> Iterator[ProgressCallback]:
    """A ProgressCallback drawing a rich bar on terminals and printing plain lines elsewhere."""
    if console.is_terminal:
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        with Bar(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
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
            console.print(
                f"{p.stage}: {p.done}/{p.total} {p.message}".rstrip(), highlight=False, markup=False
            )

    yield plain


def render_report(report: IngestReport, console: Console) -> None:
    """Counts, then one line per rejected item with its reason, one per quarantined item (stored, never cited),
    then notes (encodings, future-dated news)."""
    console.print(
        f"added {len(report.added)}, replaced {len(report.replaced)}, unchanged {len(report.unchanged)}, "
        f"rejected {len(report.rejected)}, quarantined {len(report.quarantined)}; "
        f"{report.chunks_written} chunks written in {report.seconds:.1f}s",
        highlight=False,
    )
    for o in report.rejected:
        console.print(f"  rejected {o.item}: {o.reason}", highlight=False, markup=False)
    for o in report.quarantined:
        console.print(f"  quarantined {o.item}: {o.quarantined}", highlight=False, markup=False)
    for note in report.notes:
        console.print(f"  note: {note}", highlight=False, markup=False)


def exit_code(report: IngestReport) -> int:
    return 0 if report.ok else 1


def run_ingest(
    settings: Settings,
    paths: Sequence[Path] = (),
    *,
    snapshot: Path | None = None,
    console: Console | None = None,
    rebuild: bool = False,
) -> int:
    """Ingest loose paths, or a snapshot (default: settings.snapshot_path when no paths are given)."""
    from rich.console import Console

    from assistant.errors import MarketAssistantError
    from assistant.retrieval.store import ChunkStore

    console = console or Console(stderr=True)
    if rebuild:
        _move_store_aside(settings, console)
    try:
        store = ChunkStore.open(settings)
    except MarketAssistantError as exc:
        console.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
        return 2
    try:
        with progress_reporter(console) as progress:
            if paths:
                report = ingest_paths(
                    list(paths), store, max_file_bytes=settings.max_file_bytes, progress=progress
                )
            else:
                report = ingest_snapshot(
                    snapshot or settings.snapshot_path,
                    store,
                    max_file_bytes=settings.max_file_bytes,
                    progress=progress,
                    registry=settings.etf_registry,
                )
    except MarketAssistantError as exc:  # damaged store, busy lock: one line, not a traceback
        console.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
        return 2
    render_report(report, console)
    return exit_code(report)


def _move_store_aside(settings: Settings, console: Console) -> None:
    """--rebuild: set a damaged store aside (kept for inspection), under the writer lock, so ingest starts afresh."""
    from assistant.retrieval.store_health import move_aside
    from assistant.retrieval.store_lock import StoreLock
    from assistant.retrieval.store_stamp import clear_stamp

    with StoreLock(Path(settings.store)).hold("rebuild"):
        clear_stamp(Path(settings.store))
        if settings.chroma_url:
            from assistant.retrieval.store import CHUNKS, make_client, redact_url

            client = make_client(settings)
            for name in (CHUNKS, f"{CHUNKS}-docs", f"{CHUNKS}-reindex"):
                try:
                    client.delete_collection(name)
                except Exception:  # noqa: BLE001, S112 - absent collections are the normal case
                    continue
            console.print(
                f"dropped the store's collections on {redact_url(settings.chroma_url)}",
                highlight=False,
                markup=False,
            )
            return
        for folder in (Path(settings.store) / "chroma", Path(settings.store) / "cache" / "lexical"):
            moved = move_aside(folder)
            if moved is not None:
                console.print(f"moved {folder} aside to {moved}", highlight=False, markup=False)


def run_reindex(settings: Settings, console: Console | None = None) -> int:
    """Rebuild the store's vectors with settings.embedder (needed after changing MARKET_ASSISTANT_EMBEDDER)."""
    from rich.console import Console

    from assistant.errors import MarketAssistantError
    from assistant.retrieval.encoders import get_encoder
    from assistant.retrieval.store import CHUNKS, make_client, redact_url, reindex
    from assistant.retrieval.store_lock import StoreLock
    from assistant.retrieval.store_stamp import clear_stamp

    console = console or Console(stderr=True)
    embedder = get_encoder(settings.embedder)
    location = (
        redact_url(settings.chroma_url) if settings.chroma_url else str(Path(settings.store) / "chroma")
    )

    def progress(done: int, total: int) -> None:
        console.print(f"re-embedded {done}/{total} chunks", highlight=False)

    try:
        with StoreLock(Path(settings.store)).hold("re-index"):  # one writer per store; a fresh view
            clear_stamp(Path(settings.store))  # the next reader opens Chroma and stamps the new revision
            store = reindex(
                make_client(settings, fresh=True), embedder, name=CHUNKS, location=location, progress=progress
            )
    except MarketAssistantError as exc:  # unreachable server, damaged or busy store: one line
        console.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
        return 2
    console.print(
        f"store at {location} now uses {embedder.name} ({store.count()} chunks)",
        highlight=False,
        markup=False,
    )
    return 0
