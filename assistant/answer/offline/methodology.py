"""'How is the index built?': a short structured answer from one methodology document -- universe, selection,
number of constituents, weighting, rebalancing, base date/value -- each point in the document's own words."""

from __future__ import annotations

import logging
import re
from typing import Any

from assistant.answer.tools import PassageRef
from assistant.errors import UpstreamError

from . import fixed_facts
from .context import AskContext
from .text import clause_lines, lang_of, safe_quote

log = logging.getLogger(__name__)

# "How is it built?" -- a question about the whole methodology rather than one of its concepts.
OVERVIEW = re.compile(
    r"怎么编制|如何编制|怎样编制|编制方法|编制规则|编制方案|编制原则|怎么(?:构建|构造|编的)|如何构建|"
    r"是怎么(?:选|算|计算)出来|how (?:is|was|are|does|do) .*\b(?:built|constructed|compiled|designed|"
    r"made|put together|calculated|work)\b|methodolog|construction|index rules",
    re.IGNORECASE,
)
# The points of a methodology overview, in the order an analyst gives them: (aspect, what names it in a
# section heading or a clause's own label, retrieval keywords). `KEEP` narrows a point to the clauses that
# state it.
ASPECTS: list[tuple[str, re.Pattern[str], str]] = [
    (a, re.compile(p, re.IGNORECASE), k)
    for a, p, k in (
        ("universe", r"样本空间|选样空间|universe|sample space|eligib", "样本空间 universe"),
        (
            "selection",
            r"选样|选股|筛选|剔除|因子|screen|selection|factor",
            "选样方法 剔除 因子 screens factors",
        ),
        (
            "count",
            r"样本数量|成分股数量|样本数|number of (?:constituents|securities|stocks)|constituent count",
            "样本数量 number of constituents",
        ),
        ("weighting", r"加权|权重上限|weighting|weight cap", "加权方式 weighting"),
        ("rebalancing", r"调整|调样|rebalanc|reconstitut|review", "定期调整 rebalancing"),
        ("base", r"基日|基点|base date|base value|base period", "基日 基点 base date"),
    )
]
KEEP = {
    "rebalancing": re.compile(
        r"半年|每年|季度|每月|一次|实施|生效|semi-?annual|annual|quarter|month|effective|"
        r"june|december",
        re.IGNORECASE,
    )
}
CAVEAT = re.compile(r"置信度|confidence", re.IGNORECASE)
OWN_LABEL = re.compile(r"^([^：:，,。；;]{2,48})[：:]\s*(.+)$")
LIST_ITEM = re.compile(r"^([^：:，,。；;（(]{2,8})[：:]\s*([^，,；;。]+)")


def methodology_points(
    parts: list[PassageRef],
    only: list[str] | None = None,
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """One document's overview points: groups {aspect, label, items} in aspect order, caveat notes, and the
    document clauses relied on (for the citation's quote)."""
    order = {a: i for i, (a, _, _) in enumerate(ASPECTS)}
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    notes: list[str] = []
    used: list[str] = []
    seen: set[str] = set()
    for p in sorted(parts, key=lambda q: (q.chunk is None, q.chunk or 0)):
        text = safe_quote(p)
        section = (p.section or (text.split("\n", 1)[0] if " > " in text.split("\n", 1)[0] else "")).split(
            " > "
        )[-1]
        section = re.sub(r"^[一二三四五六七八九十]+、|^\d+[.、]\s*", "", section.strip())
        by_section = next((a for a, pat, _ in ASPECTS if pat.search(section)), None)
        for clause in clause_lines(text, p.title, min_len=2):
            if clause in seen:
                continue
            seen.add(clause)
            aspect, label, body = by_section, section, clause
            own = OWN_LABEL.match(clause)
            if aspect is None and own is not None:
                aspect = next((a for a, pat, _ in ASPECTS if pat.search(own.group(1))), None)
                label, body = own.group(1).strip(), own.group(2).strip()
            if aspect is None or (only and aspect not in only):
                continue
            if CAVEAT.search(body):
                notes.append(clause)
                used.append(clause)
                continue
            g = groups.setdefault((aspect, label), {"aspect": aspect, "label": label, "items": [], "raw": []})
            g["raw"].append(clause)
            g["items"].append(body)
    out = []
    for g in sorted(groups.values(), key=lambda g: order[g["aspect"]]):
        keep = KEEP.get(g["aspect"])
        pairs = list(zip(g["items"], g["raw"]))
        if keep is not None and any(keep.search(b) for b, _ in pairs):
            pairs = [(b, r) for b, r in pairs if keep.search(b)]
        used += [r for _, r in pairs]
        g["items"] = merge_lists([b for b, _ in pairs])
        if len(g["items"]) == 1 and not re.search(r"[。.！!？?）)]$", g["items"][0]):
            g["items"][0] += "。" if lang_of(g["items"][0]) == "zh" else "."
        out.append(g)
    return out, notes, used


def merge_lists(items: list[str]) -> list[str]:
    """A clause introducing a list ('…四类因子，并按百分位排名：') followed by 'name: definition' items reads
    as one point naming them: '…排名：盈利能力（ROE）、成长能力（Growth）…'. Trailing list punctuation is
    dropped."""
    out: list[str] = []
    i = 0
    while i < len(items):
        item = items[i]
        if item.endswith(("：", ":")):
            zh = lang_of(item) == "zh"
            names = []
            j = i + 1
            while j < len(items) and (m := LIST_ITEM.match(items[j])):
                name, what = m.group(1).strip(), m.group(2).strip()
                names.append(f"{name}（{what}）" if zh else f"{name} ({what})")
                j += 1
            if names:
                out.append(item + ("、" if zh else ", ").join(names))
                i = j
                continue
        out.append(item.rstrip("；;"))
        i += 1
    return out


def overview(ctx: AskContext, symbols: list[str], only: list[str] | None = None) -> str | None:
    """The methodology overview (or just the points `only` names), all cited to one document whose quote joins
    the clauses used. None when no retrieved document covers at least three of those points (the ordinary
    clause answer follows)."""
    intent, toolbox, lang = ctx.intent, ctx.toolbox, ctx.lang
    # BM25 looks for every section's keywords; the embedding reads the question alone (faster, and unblurred).
    query = " ".join([intent.question] + [k for _, _, k in ASPECTS if k.isascii() == (lang == "en")])
    try:
        found = toolbox.document_passages(query, symbols or None, k=40, dense_query=intent.question).passages
        if not found and symbols:
            found = toolbox.document_passages(query, None, k=40, dense_query=intent.question).passages
    except UpstreamError as err:
        log.warning("document retrieval unavailable: %s", err)
        return None
    docs: dict[str, list[PassageRef]] = {}
    for p in found:
        if symbols and p.symbols and not set(p.symbols) & set(symbols):
            continue  # another index's methodology (found by the unfiltered search) never answers for this one
        docs.setdefault(p.id, []).append(p)
    best: tuple[tuple[float, int], str, list[dict[str, Any]], list[str], list[str]] | None = None
    for rank, (doc_id, parts) in enumerate(docs.items()):
        groups, notes, used = methodology_points(parts, only)
        covered = len({g["aspect"] for g in groups})
        if covered < (len(only) if only else 3):
            continue
        score = (covered + (1.5 if lang_of(parts[0].quote) == lang else 0.0), -rank)
        if best is None or score > best[0]:
            best = (score, doc_id, groups, notes, used)
    if best is None:
        return None
    _, doc_id, groups, notes, used = best
    p = docs[doc_id][0]
    if lang_of(p.quote) != lang:  # the document is in the other language: facts restated, clauses quoted
        groups = [_restated(g, lang) for g in groups]
        notes = []
    cite = ctx.ledger.add_passage(p.id, p.kind, p.title, p.source, p.url, p.published_at, "\n".join(used))
    index = next((c for c in (list(intent.indices) + list(p.symbols)) if ctx.kind_of(c) == "index"), None)
    index_label = ctx.label(index, kind="index") if index else ""
    return ctx.render(
        "methodology",
        groups=groups,
        notes=notes if not only or "selection" in only else [],
        cite=cite,
        title=p.title or p.id,
        index_label=index_label,
        brief=bool(only),
    )


def _restated(group: dict[str, Any], lang: str) -> dict[str, Any]:
    """A point of a document in the other language: its fixed facts stated in `lang` (when it has any) and its
    clauses kept, to be quoted in the original with a short gloss."""
    original = " ".join(group["items"])
    stated = fixed_facts.state(group["aspect"], " ".join(group["raw"]), lang)
    end = "。" if lang == "zh" else "."
    return {
        **group,
        "label": fixed_facts.LABELS[lang][group["aspect"]],
        "items": [stated[0].upper() + stated[1:] + end if lang == "en" else stated + end] if stated else [],
        "original": original,
    }
