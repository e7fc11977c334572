"""Passages as a model or a reader sees them: the title header folded, trimmed, injection sentences defused."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, SupportsInt

from assistant.answer.tools.results import PassageRef
from assistant.errors import InputError
from assistant.market.frames import text_or_none


def parse_until(text: str, as_of: dt.datetime) -> dt.datetime:
    """A search's `until` argument: an ISO date (= the end of that day) or time, in the data's time zone."""
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InputError(f"until must be an ISO date or time, got {text!r}") from exc
    if when.tzinfo is None:
        if len(text.strip()) <= 10:
            when = when.replace(hour=23, minute=59, second=59)
        when = when.replace(tzinfo=as_of.tzinfo)
    return when


def chunk_index(value: object) -> int | None:
    """A stored chunk position, or None when the metadata lacks one."""
    if not isinstance(value, (str, SupportsInt)):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def defuse_quote(text: str) -> tuple[str, bool]:
    """(text without the sentences that address a model, whether there were any): an article saying "ignore
    previous instructions ..." keeps its facts, never its instructions."""
    from assistant.retrieval.safety import suspicious

    if not suspicious(text):
        return text, False
    parts = re.split(r"(?<=[。！？!?；;\n])|(?<=\.)\s+", text)
    kept = [p for p in parts if p and not suspicious(p)]
    return "".join(kept).strip() if any("\u4e00" <= c <= "\u9fff" for c in text) else " ".join(
        k.strip() for k in kept
    ).strip(), True


def _quote(text: str, title: str | None, limit: int = 600) -> str:
    """The passage text without a leading repeated title header, trimmed to a readable length."""
    body = text.strip()
    if title and body.startswith(title):
        rest = body[len(title) :].lstrip(" \n>:-")
        body = f"{title}\n{rest}" if rest else body
    return body if len(body) <= limit else body[:limit].rstrip() + "…"


def passage_from_hit(hit: Any) -> PassageRef:
    """A retrieval hit (`assistant.retrieval.hybrid.Hit`) as a PassageRef; suspicious text is flagged, not altered:
    a model sees it inside delimiters."""
    meta = hit.metadata
    quote = _quote(hit.text, hit.title, 600 if hit.kind == "news" else 1500)
    flagged = defuse_quote(quote)[1]
    return PassageRef(
        id=hit.citation_id,
        kind="news" if hit.kind == "news" else "document",
        title=hit.title or None,
        source=meta.get("source"),
        url=meta.get("url"),
        published_at=hit.published_at,
        quote=quote,
        score=float(hit.score),
        symbols=list(hit.symbols),
        suspicious=flagged,
        section=text_or_none(meta.get("section")),
        chunk=chunk_index(meta.get("chunk_index")),
    )
