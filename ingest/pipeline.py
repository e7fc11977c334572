"""The idempotent ingest pipeline: load -> skip unchanged (by content hash, before embedding) -> chunk -> embed ->
write whole documents atomically -> report.

Entry points: `ingest_paths` (loose files and folders), `ingest_snapshot` (a snapshot folder), `ingest_source`
(any FrameSource: snapshot or live AKShare, whose stock_news_em rows arrive as Articles) and `ingest_items`.
They find and load the input; the run that writes it into the store is `ingest.ingestor.Ingestor` (re-exported).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.market.frame_source import FrameSource
from assistant.market.manifest import files_fingerprint, is_snapshot_folder, manifest_as_of, read_manifest
from assistant.market.model import DOCUMENT_SUFFIXES
from assistant.retrieval.store import ChunkStore
from ingest.chunking import ChunkerConfig
from ingest.ingestor import Ingestor
from ingest.items import IngestItem
from ingest.loaders import (
    LoadError,
    LoadResult,
    Rejection,
    article_to_item,
    document_to_item,
    load_file,
    load_paths,
)
from ingest.report import IngestReport, Progress, ProgressCallback
from ingest.symbols import lexicon_from_registry, lexicon_from_snapshot

DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024


def ingest_items(items: Sequence[IngestItem], store: ChunkStore, **kwargs: Any) -> IngestReport:
    as_of = kwargs.pop("as_of", None)
    return Ingestor(store, **kwargs).run(LoadResult(items=list(items)), as_of=as_of)


def ingest_paths(
    paths: Sequence[Path | str],
    store: ChunkStore,
    *,
    lexicon: Mapping[str, str] | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    progress: ProgressCallback | None = None,
    chunker: ChunkerConfig | None = None,
) -> IngestReport:
    """Loose files or folders: .jsonl/.json articles, .md/.txt/.html/.pdf documents (folders walked)."""
    cb = progress or (lambda p: None)
    cb(Progress("load", 0, len(paths), "reading files"))
    loaded = load_paths([Path(p).absolute() for p in paths], max_file_bytes)  # origins identify documents
    return Ingestor(store, lexicon=lexicon, chunker=chunker, progress=progress, by_path=True).run(loaded)


def ingest_snapshot(
    snapshot: Path | str,
    store: ChunkStore,
    *,
    lexicon: Mapping[str, str] | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    progress: ProgressCallback | None = None,
    chunker: ChunkerConfig | None = None,
    registry: Path | None = None,
    skip_if_held: bool = False,
    snapshot_source: FrameSource | None = None,
) -> IngestReport:
    """A snapshot's news/*.jsonl, documents/ and (via SnapshotSource) its stock_news_em frames.

    With `skip_if_held` (the engine's start-up), a store whose last ingest was this very snapshot, with these
    ingest rules and registry and nothing written since, is left as it is without reading a file: finding every
    item unchanged costs reading and hashing the whole snapshot, a large share of a cold `ask`. `snapshot_source`
    is the same snapshot already loaded (its frames name the securities for symbol tagging).

    The lexicon for symbol tagging is built from the snapshot's own frames and the shipped ETF registry (with
    `registry`, settings.etf_registry, merged over it), then overlaid with the caller's. Articles published after the manifest's as_of are stored (a later as-of may use
    them) and listed in the report notes; searches filter them out for earlier as-of values.
    """
    root = Path(snapshot)
    fingerprint = None
    if skip_if_held and lexicon is None and chunker is None and is_snapshot_folder(root):
        fingerprint = _input_fingerprint(root, registry, max_file_bytes)
        if store.holds_input(fingerprint):
            return IngestReport(notes=[f"{root.name}: already in the store, unchanged since its last ingest"])
    cb = progress or (lambda p: None)
    cb(Progress("load", 0, 1, f"reading snapshot {root.name}"))
    loaded = LoadResult()
    if not root.is_dir():
        loaded.rejected.append(Rejection(str(root), "snapshot folder not found"))
    elif not is_snapshot_folder(root):  # never walk an arbitrary tree (--snapshot /usr)
        loaded.rejected.append(Rejection(str(root), "not a snapshot: no manifest.json"))
        return Ingestor(store, lexicon=lexicon, chunker=chunker, progress=progress).run(loaded)
    for f in sorted((root / "news").glob("*.jsonl")):
        if _outside(f, root, loaded):
            continue
        loaded.extend(load_file(f, None, max_file_bytes))
    docs_dir = root / "documents"
    if docs_dir.is_dir() and not _outside(docs_dir, root, loaded):
        for f in sorted(
            p for p in docs_dir.rglob("*") if (p.is_file() or p.is_symlink()) and not p.name.startswith(".")
        ):
            if _outside(f, root, loaded):
                continue
            if f.suffix.lower() in DOCUMENT_SUFFIXES:
                loaded.extend(load_file(f, docs_dir, max_file_bytes))
            else:
                loaded.rejected.append(Rejection(str(f), f"unsupported document type {f.suffix or '(none)'}"))
    _add_source_articles(root, loaded)
    full_lexicon = {
        **_registry_lexicon(registry),
        **lexicon_from_snapshot(root, snapshot_source),
        **dict(lexicon or {}),
    }
    report = Ingestor(store, lexicon=full_lexicon, chunker=chunker, progress=progress).run(
        loaded, as_of=_as_of(root)
    )
    if fingerprint is not None and not report.rejected:  # a rejected item is reported again on every start
        store.record_input(fingerprint)
    return report


def _input_fingerprint(root: Path, registry: Path | None, max_file_bytes: int) -> str:
    """The snapshot's files, the ingest code, the registries and the size limit: all that decides what an
    ingest of the snapshot stores."""
    from assistant.market.registry import shipped_registry_path

    code = sorted(Path(__file__).parent.glob("*.py"))
    registries = [p for p in (shipped_registry_path(), registry) if p is not None and Path(p).is_file()]
    return files_fingerprint(root, [*code, *map(Path, registries)], extra=f"{registry}\0{max_file_bytes}")


def ingest_source(
    source: Any,
    store: ChunkStore,
    *,
    lexicon: Mapping[str, str] | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    progress: ProgressCallback | None = None,
    chunker: ChunkerConfig | None = None,
) -> IngestReport:
    """Any FrameSource (`.articles()`, `.documents()`, `.info`): e.g. live AKShare stock_news_em news."""
    loaded = LoadResult()
    for article in source.articles():
        loaded.items.append(article_to_item(article))
    for document in source.documents():
        try:
            item, encoding = document_to_item(document, max_file_bytes)
            loaded.items.append(item)
            if encoding and encoding != "utf-8":
                loaded.notes.append(f"{document.path}: decoded as {encoding.upper()}")
        except (LoadError, OSError) as exc:
            loaded.rejected.append(Rejection(document.path, str(exc)))
    as_of = getattr(getattr(source, "info", None), "as_of", None)
    return Ingestor(store, lexicon=lexicon, chunker=chunker, progress=progress).run(loaded, as_of=as_of)


def _add_source_articles(root: Path, loaded: LoadResult) -> None:
    """stock_news_em frames -> Articles, through the market layer's own parser (ids derived from 新闻链接).

    Only those frames are read (not the whole SnapshotSource, which validates every frame and costs seconds), so
    re-ingesting an unchanged snapshot stays fast. Unlike SnapshotSource.articles(), articles after as_of are
    kept: they are stored and filtered at search time.
    """
    try:
        manifest = read_manifest(root)
    except (OSError, ValueError):
        return
    entries = [
        f for f in manifest.get("frames", []) if isinstance(f, dict) and f.get("function") == "stock_news_em"
    ]
    if not entries:
        return
    import pandas as pd

    from assistant.market import frames

    found: dict[str, Any] = {}
    for entry in entries:
        file = root / str(entry.get("file", ""))
        try:
            df = frames.read_csv_frame(file, "stock_news_em", manifest.get("akshare_version"))
            symbol = (entry.get("params") or {}).get("symbol")
            articles = frames.news_articles(df, symbol)
        except (OSError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            loaded.rejected.append(Rejection(str(file), f"stock_news_em frame not readable ({exc})"))
            continue
        for article in articles:
            previous = found.get(article.id)
            if previous is not None:
                article = replace(
                    previous, symbols=tuple(sorted(set(previous.symbols) | set(article.symbols)))
                )
            found[article.id] = article
    seen = {i.citation_id for i in loaded.items}
    for article in found.values():
        if article.id not in seen and article.body.strip():
            loaded.items.append(article_to_item(article, origin=f"{root.name}:stock_news_em:{article.id}"))


def _outside(path: Path, root: Path, loaded: LoadResult) -> bool:
    """Symlinks and paths resolving outside the snapshot are refused (one to /etc/passwd was stored), as frames/
    already are."""
    try:
        escapes = path.is_symlink() or not path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        escapes = True
    if escapes:
        loaded.rejected.append(Rejection(str(path), "symlink or path outside the snapshot: refused"))
    return escapes


def _as_of(root: Path) -> dt.datetime | None:
    return manifest_as_of(root)


def _registry_lexicon(extra: Path | None = None) -> dict[str, str]:
    """ETF names and aliases from the shipped registry (500质量成长ETF -> 560500), `extra`'s entries winning."""
    from assistant.market.registry import shipped_registry_path

    shipped = lexicon_from_registry(shipped_registry_path())
    return {**shipped, **lexicon_from_registry(Path(extra))} if extra is not None else shipped


__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "Ingestor",
    "ingest_items",
    "ingest_paths",
    "ingest_snapshot",
    "ingest_source",
]
