"""Text helpers shared by the document and news handlers: the clauses of a passage, its language, its most
relevant sentence, a question's distinctive words, and the passage text an answer may quote."""

from __future__ import annotations

import re

from assistant.answer.tools import PassageRef, defuse_quote
from assistant.market.resolve.language import detect_language


def safe_quote(p: PassageRef) -> str:
    """The passage text an answer may rely on and quote: without sentences that address a model."""
    return defuse_quote(p.quote)[0] if p.suspicious or p.quote else p.quote


def clause_lines(text: str, title: str | None, min_len: int = 6) -> list[str]:
    """A passage's clauses: its list items and sentences (hard-wrapped lines joined), without headings, title,
    breadcrumb, table and editorial-note lines, and without list numbering."""
    items: list[str] = []
    headings: set[str] = set()
    head = (title or "").strip()[:20]
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        heading = (
            " > " in line
            or line.startswith(("#", "|"))
            or bool(re.fullmatch(r"[一二三四五六七八九十]+、\S{0,20}", line))
        )
        new = (
            heading
            or bool(re.match(r"([-*>]|\d+[.、)]|[一二三四五六七八九十]+、)\s*", line))
            or not items
            or bool(re.search(r"[。；;.:：！？!?]$", items[-1]))
            or items[-1] in headings
        )
        if heading:
            headings.add(line)
        if new:
            items.append(line)
        else:
            glue = " " if items[-1][-1:].isascii() and line[:1].isascii() else ""
            items[-1] = items[-1] + glue + line
    out = []
    for line in items:
        if " > " in line or line.startswith(("#", "|")) or (head and line.startswith(head)):
            continue
        line = re.sub(r"^(?:[-*>]\s*)+", "", line).replace("**", "").strip()
        line = re.sub(r"^\d+[.、)]\s*", "", line).strip()
        if (
            not line
            or (line.startswith("*") and line.endswith("*"))
            or re.fullmatch(r"[一二三四五六七八九十]+、\S{0,20}", line)
        ):
            continue
        if len(line) < min_len:
            continue
        out.append(line.rstrip("…").strip())
    return out


def lang_of(text: str) -> str:
    """A passage's language, by the product's one detector ('en' when it has no words)."""
    return detect_language(text, default="en")


def excerpt(text: str, query: str, limit: int = 160) -> str:
    """The sentence(s) of a passage most related to the query (character overlap), trimmed."""
    parts = [s.strip(" -#>*\n") for s in re.split(r"(?<=[。！？；.!?;])\s*|\n+", text) if len(s.strip()) > 6]
    if not parts:
        return text[:limit]
    q = set(query.lower())
    best = max(parts, key=lambda s: len(q & set(s.lower())) / (1 + len(s) / 80))
    return best if len(best) <= limit else best[:limit].rstrip() + "…"


STOP_EN = {
    "what",
    "which",
    "when",
    "where",
    "why",
    "how",
    "the",
    "and",
    "any",
    "about",
    "there",
    "news",
    "today",
    "latest",
    "recent",
    "recently",
    "did",
    "does",
    "say",
    "said",
    "its",
    "his",
    "her",
    "their",
    "with",
    "for",
    "from",
    "this",
    "that",
    "have",
    "has",
    "had",
    "was",
    "were",
    "are",
    "is",
    "on",
    "in",
    "at",
    "of",
    "stock",
    "stocks",
    "company",
    "article",
    "articles",
    "headline",
    "headlines",
    "report",
    "reports",
}
STOP_ZH = {
    "最近",
    "什么",
    "新闻",
    "消息",
    "今天",
    "有没",
    "没有",
    "有什",
    "么新",
    "么消",
    "近有",
    "天有",
    "资讯",
    "报道",
    "哪些",
    "为什",
    "么会",
    "怎么",
    "公司",
    "股票",
    "相关",
    "一下",
    "情况",
    "有关",
    "关于",
    "的新",
    "的消",
    "有哪",
    "股份",  # the suffix of many company names (伊利股份, 中信证券股份): matching it is not about the company
}


def terms(question: str) -> set[str]:
    words = {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z-]{2,}", question)} - STOP_EN
    bigrams: set[str] = set()
    for run in re.findall(r"[\u4e00-\u9fff]+", question):
        bigrams |= {run[i : i + 2] for i in range(len(run) - 1)}
    return words | (bigrams - STOP_ZH)
