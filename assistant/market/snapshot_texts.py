"""The texts of a snapshot: news (news/*.jsonl and the recorded stock_news_em frames) and documents (files
under documents/, Markdown front matter read as data with yaml.safe_load). News is forgiving: a bad line is
reported and skipped, so one broken article does not reject the snapshot."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from assistant.market import frames
from assistant.market.model import DOCUMENT_SUFFIXES, Article, Document

NEWS_REQUIRED = ("id", "title", "published_at", "body")
NewsProblem = Callable[[Path, int | None, str], None]
"""Reports a bad news line (file, line number or None for the whole file, problem); may raise to reject."""


def read_news(
    folder: Path, news_frames: Iterable[tuple[pd.DataFrame, str | None]], problem: NewsProblem
) -> list[Article]:
    """The articles of news/*.jsonl (bad lines reported to `problem` and skipped) and of the recorded
    stock_news_em frames (one story under two keywords is merged), oldest first."""
    articles: dict[str, Article] = {}
    first_seen: dict[str, str] = {}
    for file in sorted((folder / "news").glob("*.jsonl")):
        try:
            lines = file.read_text(encoding="utf-8-sig").splitlines()
        except UnicodeDecodeError as err:
            problem(file, None, f"not UTF-8 text ({err}); file skipped")
            continue
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            article = _parse_article(file, n, line, problem)
            if article is None:
                continue
            if article.id in articles:
                problem(
                    file,
                    n,
                    f"duplicate news id {article.id!r} (first at {first_seen[article.id]}); line skipped",
                )
                continue
            articles[article.id] = article
            first_seen[article.id] = f"{file}:{n}"
    for df, symbol in news_frames:
        for article in frames.news_articles(df, symbol):
            previous = articles.get(article.id)
            if previous is None:
                articles[article.id] = article
            elif previous.id.startswith("em-") and previous.url == article.url:  # same story, two keywords
                symbols = tuple(sorted(set(previous.symbols) | set(article.symbols)))
                articles[article.id] = replace(previous, symbols=symbols)
    return sorted(articles.values(), key=lambda a: (a.published_at, a.id))


def _parse_article(file: Path, n: int, line: str, problem: NewsProblem) -> Article | None:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as err:
        problem(file, n, f"invalid JSON ({err.msg}); line skipped")
        return None
    except RecursionError:  # deeply nested JSON: it crashed every `ask` on the snapshot
        problem(file, n, "JSON nested too deeply; line skipped")
        return None
    if not isinstance(obj, dict):
        problem(file, n, "not a JSON object; line skipped")
        return None
    missing = [k for k in NEWS_REQUIRED if obj.get(k) in (None, "")]
    if missing:
        problem(file, n, f"missing required field(s) {', '.join(missing)}; line skipped")
        return None
    bad = [k for k in ("id", "title", "body", "published_at") if not isinstance(obj[k], str)]
    if bad:
        problem(file, n, f"field(s) {', '.join(bad)} must be strings; line skipped")
        return None
    try:
        published = dt.datetime.fromisoformat(obj["published_at"])
    except ValueError:
        problem(file, n, f"published_at {obj['published_at']!r} is not ISO 8601; line skipped")
        return None
    if published.tzinfo is None:
        problem(file, n, f"published_at {obj['published_at']!r} has no time zone offset; line skipped")
        return None
    symbols = obj.get("symbols") or []
    if not isinstance(symbols, list) or not all(isinstance(s, str) for s in symbols):
        problem(file, n, "symbols must be a list of code strings; line skipped")
        return None
    return Article(
        id=obj["id"],
        title=obj["title"],
        body=obj["body"],
        published_at=published,
        source=_opt_str(obj.get("source")),
        url=_opt_str(obj.get("url")),
        language=_opt_str(obj.get("language")),
        symbols=tuple(symbols),
    )


def read_documents(folder: Path, problems: list[str]) -> list[Document]:
    """The documents under documents/ (front-matter problems appended to `problems`), one per id."""
    root = folder / "documents"
    docs: dict[str, Document] = {}
    if not root.is_dir():
        return []
    for file in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES):
        doc_id = file.relative_to(root).with_suffix("").as_posix()
        if doc_id in docs:
            problems.append(
                f"{file}: duplicate document id {doc_id!r} (same name, another extension); skipped"
            )
            continue
        docs[doc_id] = _document(doc_id, file, problems)
    return list(docs.values())


def _document(doc_id: str, file: Path, problems: list[str]) -> Document:
    meta: dict[str, object] = {}
    title: str | None = None
    if file.suffix.lower() == ".md":
        text = file.read_text(encoding="utf-8-sig", errors="replace")
        meta, body = _front_matter(file, text, problems)
        title = _opt_str(meta.get("title")) or _first_heading(body)
    published = None
    if meta.get("published_at") is not None:
        published = _meta_datetime(meta["published_at"])
        if published is None:
            problems.append(f"{file}: front matter published_at {meta['published_at']!r} is not a date")
    symbols = meta.get("symbols") or ()
    return Document(
        id=doc_id,
        path=str(file.resolve()),
        title=title,
        published_at=published,
        source=_opt_str(meta.get("source")),
        url=_opt_str(meta.get("url")),
        symbols=tuple(str(s) for s in symbols) if isinstance(symbols, list) else (),
        meta=meta,
    )


def _front_matter(file: Path, text: str, problems: list[str]) -> tuple[dict[str, object], str]:
    if not text.startswith("---"):
        return {}, text
    lines = text.splitlines()
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            try:
                meta = yaml.safe_load("\n".join(lines[1:end])) or {}
            except yaml.YAMLError as err:
                problems.append(f"{file}: invalid YAML front matter ({err}); ignored")
                return {}, text
            if not isinstance(meta, dict):
                problems.append(f"{file}: front matter is not a mapping; ignored")
                return {}, text
            return {str(k): v for k, v in meta.items()}, "\n".join(lines[end + 1 :])
    return {}, text


def _opt_str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _first_heading(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip() or None
    return None


def _meta_datetime(value: Any) -> dt.datetime | None:
    """Front-matter dates: YAML gives date/datetime objects or strings; naive values are Shanghai time."""
    if isinstance(value, dt.datetime):
        stamp = value
    elif isinstance(value, dt.date):
        stamp = dt.datetime.combine(value, dt.time())
    else:
        try:
            stamp = dt.datetime.fromisoformat(str(value))
        except ValueError:
            return None
    if stamp.tzinfo is None:
        stamp = pd.Timestamp(stamp).tz_localize(frames.SHANGHAI).to_pydatetime()
    return stamp
