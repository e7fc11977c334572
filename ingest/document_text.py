"""Document files as Markdown-ish text: front matter (bounded, alias-free YAML), plain text with Chinese
headings, HTML and PDF. Bad input raises LoadError with the reason; `loaders` turns it into a rejection."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import yaml

from ingest.decoding import LoadError

_FRONT_MATTER_RE = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
# Chinese document headings in plain text (第一章 / 第三条 / 一、 / （一） / 4.1 Title) become Markdown headings.
_TXT_HEADING_RE = re.compile(
    r"^\s*(第[一二三四五六七八九十百零\d]+[章节条部分]|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+(\.\d+)*\s+\S)"
)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(metadata, body). Bounded and alias-free (an alias bomb took 62 s and then MemoryError); metadata fields
    of the wrong type are refused by name."""
    m = _FRONT_MATTER_RE.match(text)
    if not m:
        return {}, text
    raw = m.group(1)
    if len(raw) > MAX_FRONT_MATTER_CHARS:
        raise LoadError(f"front matter longer than {MAX_FRONT_MATTER_CHARS} characters")
    try:
        if any(isinstance(e, (yaml.AliasEvent,)) or getattr(e, "anchor", None) for e in yaml.parse(raw)):
            raise LoadError("front matter uses YAML anchors/aliases, which are not accepted")
        meta = yaml.safe_load(raw) or {}
    except yaml.YAMLError:
        return {}, text
    if not isinstance(meta, dict):
        return {}, text[m.end() :]
    for key in ("title", "source", "url", "language"):
        if meta.get(key) is not None and not isinstance(meta[key], (str, int, float)):
            raise LoadError(f"front matter field {key!r} must be text, not {type(meta[key]).__name__}")
    if meta.get("symbols") is not None and not (
        isinstance(meta["symbols"], list) and all(isinstance(x, (str, int)) for x in meta["symbols"])
    ):
        raise LoadError("front matter field 'symbols' must be a list of codes")
    if meta.get("published_at") is not None and not isinstance(meta["published_at"], (str, dt.date)):
        raise LoadError("front matter field 'published_at' must be a date-time")
    return meta, text[m.end() :]


MAX_FRONT_MATTER_CHARS = 16_000


def text_to_markdown(text: str) -> str:
    """Plain text (also PDF text) -> Markdown, promoting recognisable Chinese/numbered heading lines."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if (
            stripped
            and len(stripped) <= 40
            and _TXT_HEADING_RE.match(stripped)
            and not stripped.endswith(("。", "；"))
        ):
            depth = 2 + stripped.split()[0].count(".") if stripped[0].isdigit() else 2
            lines.append(f"{'#' * min(depth, 4)} {stripped}")
        else:
            lines.append(line)
    return "\n".join(lines)


def html_to_markdown(html: str) -> tuple[str, str | None]:
    """(markdown, <title>): headings become # lines, block elements paragraphs; scripts and styles dropped."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "footer"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else None
    blocks: list[str] = []
    for el in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "tr", "pre", "blockquote"]):
        if el.find_parent(["p", "li", "tr", "pre", "blockquote"]):
            continue
        text = el.get_text(" ", strip=True)
        if not text:
            continue
        if el.name.startswith("h"):
            blocks.append(f"{'#' * min(int(el.name[1]), 4)} {text}")
        else:
            blocks.append(text)
    if not blocks:
        body = soup.body or soup
        blocks = [body.get_text("\n", strip=True)]
    return "\n\n".join(blocks), title


def pdf_to_markdown(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [(page.extract_text() or "") for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise LoadError(f"unreadable PDF ({exc})") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise LoadError("PDF has no extractable text (scanned image?)")
    return text_to_markdown(text)
