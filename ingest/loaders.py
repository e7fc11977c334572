"""Loaders: files, folders, snapshot contents and market-layer objects -> IngestItems, with reasons for rejects.

Nothing here raises for bad input: every problem becomes a `Rejection` naming the file (and line for JSONL) so one
bad line or file never stops the rest of an ingest.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.market.model import CHINA_TZ, DOCUMENT_SUFFIXES, Article, Document
from ingest.decoding import LoadError as LoadError
from ingest.decoding import decode_bytes, read_bytes
from ingest.document_text import (
    html_to_markdown,
    pdf_to_markdown,
    split_front_matter,
    text_to_markdown,
)
from ingest.items import IngestItem

ARTICLE_SUFFIXES = {".jsonl", ".json"}
SUPPORTED_SUFFIXES = ARTICLE_SUFFIXES | set(DOCUMENT_SUFFIXES)
REQUIRED_ARTICLE_FIELDS = ("id", "title", "published_at", "body")


@dataclass(frozen=True)
class Rejection:
    item: str  # file, file:line or citation id
    reason: str


@dataclass
class LoadResult:
    items: list[IngestItem] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. "x.txt: decoded as GB18030"

    def extend(self, other: LoadResult) -> None:
        self.items += other.items
        self.rejected += other.rejected
        self.notes += other.notes


# --- articles -----------------------------------------------------------------------------------------------


def parse_datetime(value: Any) -> tuple[dt.datetime, bool]:
    """(tz-aware datetime, assumed_tz). Naive times are China time, as AKShare and Chinese sites publish them."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise LoadError(f"published_at is not an ISO date-time: {value!r}") from exc
    else:
        raise LoadError(f"published_at is not a date-time: {value!r}")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=CHINA_TZ), True
    return parsed, False


def article_from_mapping(obj: Any, origin: str) -> tuple[IngestItem, bool]:
    """A news/*.jsonl object -> item; raises LoadError naming the missing or bad field."""
    if not isinstance(obj, dict):
        raise LoadError("not a JSON object")
    missing = [f for f in REQUIRED_ARTICLE_FIELDS if obj.get(f) in (None, "")]
    if missing:
        raise LoadError(f"missing required field(s): {', '.join(missing)}")
    fields = {
        f: _text_field(obj, f, required=f in REQUIRED_ARTICLE_FIELDS)
        for f in ("id", "title", "body", "source", "url", "language")
    }
    published_at, assumed = parse_datetime(obj["published_at"])
    symbols = obj.get("symbols") or ()
    if isinstance(symbols, str):
        symbols = [s for s in re.split(r"[,\s]+", symbols) if s]
    if not isinstance(symbols, (list, tuple)):
        raise LoadError("symbols must be a list of codes")
    item = IngestItem(
        citation_id=str(fields["id"]).strip(),
        kind="news",
        title=str(fields["title"]).strip(),
        text=str(fields["body"]),
        published_at=published_at,
        source=_opt_str(fields["source"]),
        url=_opt_str(fields["url"]),
        language=_opt_str(fields["language"]),
        symbols=tuple(str(s) for s in symbols),
        origin=origin,
    )
    return item, assumed


MAX_JSON_DEPTH = 32


def load_json(text: str) -> Any:
    """json.loads for untrusted input: no NaN/Infinity (they became the text "nan"), bounded nesting (deep input
    raised RecursionError and aborted the batch); every problem is a LoadError."""

    def no_constant(name: str) -> Any:
        raise LoadError(f"{name} is not a number JSON allows")

    depth = max_depth = 0
    in_string = escaped = False
    for ch in text:  # a cheap pre-scan: nesting depth outside strings
        if in_string:
            escaped = not escaped and ch == "\\"
            if ch == '"' and not escaped:
                in_string = False
            continue
        if ch == '"':
            in_string, escaped = True, False
        elif ch in "[{":
            depth += 1
            max_depth = max(max_depth, depth)
            if max_depth > MAX_JSON_DEPTH:
                raise LoadError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        elif ch in "]}":
            depth -= 1
    try:
        return json.loads(text, parse_constant=no_constant)
    except json.JSONDecodeError as exc:
        raise LoadError(f"not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    except RecursionError as exc:
        raise LoadError("JSON nested too deeply") from exc


def _text_field(obj: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    """A text field of an article: a string (an id may be a number); objects, lists and lone surrogates refused."""
    value = obj.get(name)
    if value is None or value == "":
        if required:
            raise LoadError(f"missing required field: {name}")
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (str, int))
        or (name != "id" and not isinstance(value, str))
    ):
        raise LoadError(f"{name} must be text, not {type(value).__name__}")
    text = str(value)
    if _SURROGATE.search(text):
        raise LoadError(f"{name} contains an unpaired UTF-16 surrogate (broken encoding)")
    return text


_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_articles_jsonl(text: str, name: str) -> LoadResult:
    """One article per line; a bad line is rejected as `name:line` and the others are kept."""
    result = LoadResult()
    # Lines end at "\n" only: str.splitlines() also splits at U+2028 / U+0085, which valid JSON may contain raw.
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        origin = f"{name}:{lineno}"
        try:
            obj = load_json(line.rstrip("\r"))
        except LoadError as exc:
            result.rejected.append(Rejection(origin, str(exc)))
            continue
        _add_article(result, obj, origin)
    if not result.items and not result.rejected:
        result.rejected.append(Rejection(name, "no articles in file"))
    return result


def parse_articles_json(text: str, name: str) -> LoadResult:
    """A .json file: one article object, a list of them, or {"articles": [...]}."""
    result = LoadResult()
    try:
        data = load_json(text)
    except LoadError as exc:
        result.rejected.append(Rejection(name, str(exc)))
        return result
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    records = data if isinstance(data, list) else [data]
    for i, obj in enumerate(records):
        _add_article(result, obj, f"{name}[{i}]" if isinstance(data, list) else name)
    return result


def _add_article(result: LoadResult, obj: Any, origin: str) -> None:
    try:
        item, assumed = article_from_mapping(obj, origin)
    except LoadError as exc:
        result.rejected.append(Rejection(origin, str(exc)))
        return
    if assumed:
        result.notes.append(f"{origin}: published_at has no time zone; assumed +08:00")
    result.items.append(item)


def article_to_item(article: Article, origin: str = "") -> IngestItem:
    """Market-layer Article (snapshot news, stock_news_em rows) -> item; ids are already citation ids."""
    published_at = (
        article.published_at if article.published_at.tzinfo else article.published_at.replace(tzinfo=CHINA_TZ)
    )
    return IngestItem(
        citation_id=article.id,
        kind="news",
        title=article.title,
        text=article.body,
        published_at=published_at,
        source=article.source,
        url=article.url,
        language=article.language,
        symbols=tuple(article.symbols),
        origin=origin or article.id,
    )


# --- documents ----------------------------------------------------------------------------------------------


def load_document_file(
    path: Path, citation_id: str, max_bytes: int, defaults: Document | None = None
) -> tuple[IngestItem, str | None]:
    """(item, encoding used or None for PDF). Front matter / <title> / first heading give the title."""
    data = read_bytes(path, max_bytes)
    suffix = path.suffix.lower()
    encoding: str | None = None
    meta: dict[str, Any] = {}
    title: str | None = None
    if suffix == ".pdf":
        if not data.startswith(b"%PDF"):
            raise LoadError("not a PDF file")
        body = pdf_to_markdown(data)
    else:
        text, encoding = decode_bytes(data)
        if suffix in (".html", ".htm"):
            body, title = html_to_markdown(text)
        elif suffix in (".md", ".markdown"):
            meta, body = split_front_matter(text)
        else:
            body = text_to_markdown(text)
    if not body.strip():
        raise LoadError("no text content")
    first_heading = re.search(r"^#{1,6}\s+(.+)$", body, re.M)
    title = (
        (defaults.title if defaults and defaults.title else None)
        or _opt_str(meta.get("title"))
        or title
        or (first_heading.group(1).strip() if first_heading else None)
        or path.stem
    )
    published = defaults.published_at if defaults and defaults.published_at else None
    if published is None and meta.get("published_at") not in (None, ""):
        value = meta["published_at"]
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = dt.datetime(value.year, value.month, value.day)
        published, _ = parse_datetime(value)
    symbols = (
        tuple(defaults.symbols)
        if defaults and defaults.symbols
        else tuple(str(s) for s in meta.get("symbols") or ())
    )
    item = IngestItem(
        citation_id=citation_id,
        kind="document",
        title=title,
        text=body,
        published_at=published,
        source=(defaults.source if defaults and defaults.source else None) or _opt_str(meta.get("source")),
        url=(defaults.url if defaults and defaults.url else None) or _opt_str(meta.get("url")),
        language=_opt_str(meta.get("language")),
        symbols=symbols,
        origin=str(path),
    )
    return item, encoding


def document_to_item(document: Document, max_bytes: int) -> tuple[IngestItem, str | None]:
    return load_document_file(Path(document.path), document.id, max_bytes, defaults=document)


# --- paths ----------------------------------------------------------------------------------------------------


def expand_paths(
    paths: Iterable[Path], rejected: list[Rejection] | None = None
) -> list[tuple[Path, Path | None]]:
    """(file, root folder it was found under or None). Folders are walked recursively (symlinked folders not
    followed), hidden files skipped. A path or subfolder that cannot be read is a rejection in `rejected`, never
    an error: one unreadable path (a name too long, a folder without permission) used to abort the whole batch
    before any per-file report."""
    out: list[tuple[Path, Path | None]] = []
    bad = rejected if rejected is not None else []
    for p in paths:
        p = Path(p)
        try:
            is_dir = p.is_dir()
        except OSError as exc:
            bad.append(Rejection(str(p), f"cannot read: {exc.strerror or exc}"))
            continue
        if not is_dir:
            out.append((p, None))
            continue

        def unreadable(exc: OSError, root: Path = p) -> None:
            bad.append(Rejection(str(exc.filename or root), f"cannot read: {exc.strerror or exc}"))

        found: list[Path] = []
        for folder, dirs, files in os.walk(p, onerror=unreadable):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found += [
                Path(folder) / f
                for f in files
                if not f.startswith(".") and Path(f).suffix.lower() in SUPPORTED_SUFFIXES
            ]
        for f in sorted(found):
            try:
                if f.is_file():
                    out.append((f, p))
            except OSError as exc:
                bad.append(Rejection(str(f), f"cannot read: {exc.strerror or exc}"))
    return out


def document_citation_id(path: Path, root: Path | None) -> str:
    """Path under the given folder without extension (the snapshot rule for documents/), or the file stem."""
    rel = path.relative_to(root) if root else Path(path.name)
    return rel.with_suffix("").as_posix()


def load_file(path: Path, root: Path | None, max_bytes: int) -> LoadResult:
    result = LoadResult()
    name = str(path)
    suffix = path.suffix.lower()
    encoding: str | None
    try:
        if not path.exists():
            raise LoadError("no such file")
        if suffix not in SUPPORTED_SUFFIXES:
            raise LoadError(
                f"unsupported file type {suffix or '(none)'}; expected one of {sorted(SUPPORTED_SUFFIXES)}"
            )
        if suffix in ARTICLE_SUFFIXES:
            text, encoding = decode_bytes(read_bytes(path, max_bytes))
            result = (parse_articles_jsonl if suffix == ".jsonl" else parse_articles_json)(text, name)
        else:
            item, encoding = load_document_file(path, document_citation_id(path, root), max_bytes)
            result.items.append(item)
        if encoding and encoding != "utf-8":
            result.notes.append(f"{name}: decoded as {encoding.upper()}")
    except LoadError as exc:
        result.rejected.append(Rejection(name, str(exc)))
    except OSError as exc:
        result.rejected.append(Rejection(name, f"cannot read: {exc.strerror or exc}"))
    except (
        RecursionError,
        MemoryError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AssertionError,
        UnicodeError,
        ArithmeticError,
    ) as exc:  # a parser library choking (pypdf limits...): this file only
        result = LoadResult(
            rejected=[Rejection(name, f"could not be parsed ({type(exc).__name__}: {exc})"[:300])]
        )
    except Exception as exc:  # noqa: BLE001 - e.g. pypdf's own errors; one poison file never aborts a batch
        result = LoadResult(
            rejected=[Rejection(name, f"could not be parsed ({type(exc).__name__}: {exc})"[:300])]
        )
    return result


def load_paths(paths: Sequence[Path], max_bytes: int) -> LoadResult:
    result = LoadResult()
    for path, root in expand_paths(paths, result.rejected):
        result.extend(load_file(path, root, max_bytes))
    return result


def _opt_str(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None
