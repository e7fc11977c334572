"""From an LLM draft to publishable text, sentence by sentence: check, narrow repair, replace or drop.

Used by both LLM modes (writer and agent). The rules:
- Whole-text problems that repair cannot fix narrowly (wrong language, empty) reject the draft.
- Failing sentences (and only those, with their reasons and the compact evidence) go back to the model once.
  A repaired sentence is accepted only if it passes the same check in place.
- A sentence that still fails is replaced by the offline answer's line about the same subjects (that line is
  deterministic and passes the check), or dropped. A bad number is never published, and one bad number never
  throws away the whole answer.
- If more than half of the draft had to be replaced or dropped, the text is no longer the model's: the
  caller publishes the offline answer as `offline_fallback` (`grounding_failed`), so the share "written by the
  LLM" is not inflated by offline lines.
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.messages import HumanMessage

from assistant.answer.check import SentenceChecker, SentenceVerdict, frame_of, settle_citations
from assistant.answer.check_words import MEASURE_WORDS
from assistant.answer.evidence_pack import Numbering
from assistant.answer.llm import failure_code, load_prompt, model_text
from assistant.answer.sentences import PLACEHOLDER, sentence_parts

log = logging.getLogger(__name__)
Language = Literal["zh", "en"]
_REPLY_LINE = re.compile(r"^\s*(\d{1,2})\s*[:：.、)]\s*(.*)$")
Repair = Callable[[list[SentenceVerdict]], list[str | None]]
"""Failing sentences -> one replacement (placeholders) or None per sentence, in order."""


class Unpublishable(Exception):
    """Nothing publishable is left of the draft; `code` is the answer's fallback_reason."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


@dataclass
class Outcome:
    text: str
    sentences: list[str]
    problems: list[str] = field(default_factory=list)  # what the first check found
    repaired: int = 0
    replaced: int = 0
    dropped: int = 0
    stripped: int = 0  # citation markers to ids that do not exist, removed

    @property
    def touched(self) -> bool:
        return bool(self.repaired or self.replaced or self.dropped or self.stripped)


def check_parts(
    checker: SentenceChecker, parts: Sequence[tuple[str, list[str]]], also_cited: frozenset[str] = frozenset()
) -> list[SentenceVerdict]:
    """Check sentences in order (the subject carries over), then settle citations over all of them (and the
    ids `also_cited` by text published with them, e.g. the data-sources footer)."""
    verdicts: list[SentenceVerdict] = []
    carried: list[str] = []
    pos = 0
    for raw, paragraph in parts:
        v = checker.sentence(raw, pos, pos + len(raw), carried, paragraph)
        verdicts.append(v)
        carried = v.subjects or carried
        pos += len(raw)
    cited = ({c for raw, _ in parts for c in PLACEHOLDER.findall(raw)} | also_cited) & set(checker.ev.sources)
    settle_citations(verdicts, cited, set(checker.ev.quotes))
    return verdicts


def publish(
    draft: str,
    checker: SentenceChecker,
    offline_text: str,
    repair: Repair | None,
    footer: str = "",
    *,
    keep: int = 0,
) -> Outcome:
    """The publishable text of `draft` (placeholders kept), or `Unpublishable`. `footer`: text published
    under it verbatim (the data sources line); its citations count for the draft's figures. The first `keep`
    sentences were already streamed to the reader: if they pass, they are published exactly as they were."""
    also = frozenset(PLACEHOLDER.findall(footer))
    whole = checker.check(draft)
    fatal = [p for p in whole.problems if "language" in p or "empty" in p or "Chinese" in p or "English" in p]
    if fatal:
        raise Unpublishable("wrong_language" if "empty" not in fatal[0] else "empty", "; ".join(fatal))
    stripped = strip_unknown(draft, checker)
    parts = sentence_parts(stripped)
    verdicts = check_parts(checker, parts, also)
    outcome = Outcome("", [], problems=whole.all_problems())
    outcome.stripped = len(PLACEHOLDER.findall(draft)) - len(PLACEHOLDER.findall(stripped))
    failing = [i for i, v in enumerate(verdicts) if not v.ok]
    log.info(
        "sentence check: %d of %d sentences fail%s",
        len(failing),
        len(verdicts),
        "".join(f"\n  - {verdicts[i].plain[:100]!r}: {verdicts[i].problems}" for i in failing),
    )
    if failing and repair is not None:
        fixes = repair([verdicts[i] for i in failing])
        for i, fix in zip(failing, fixes):
            if fix:
                trial = list(parts)
                trial[i] = (fix.strip() + " ", PLACEHOLDER.findall(fix))
                if check_parts(checker, trial, also)[i].ok:
                    parts, outcome.repaired = trial, outcome.repaired + 1
        verdicts = check_parts(checker, parts, also)
        log.info("after repair: %d sentence(s) fixed", outcome.repaired)
    offline = sentence_parts(offline_text)
    offline_verdicts = check_parts(checker, offline, also)
    used: set[int] = set()
    final: list[tuple[str, list[str]]] = []
    as_streamed: set[int] = set()  # indexes in `final` of sentences the reader has already seen
    for i, ((raw, paragraph), v) in enumerate(zip(parts, verdicts)):
        if v.ok:
            if i < keep:
                as_streamed.add(len(final))
            final.append((raw, paragraph))
            continue
        j = _offline_line(v, offline_verdicts, used, final)
        if j is None:
            outcome.dropped += 1
            log.info("dropped: %r (%s)", v.plain[:100], v.problems)
        else:
            used.add(j)
            outcome.replaced += 1
            line = _as_prose(offline[j][0], checker.language)
            frames = [
                f
                for f in dict.fromkeys(frame_of(x) for x in offline_verdicts[j].backing)
                if f in checker.ev.sources and f"[[cite:{f}]]" not in line
            ]
            if frames and not PLACEHOLDER.search(line):
                line = _with_paragraph_cite(line, frames).strip()
            final.append((" " + line + " ", PLACEHOLDER.findall(line) or offline[j][1]))
            log.info("replaced by the offline line: %r -> %r", v.plain[:100], offline_verdicts[j].plain[:100])
    kept = [raw for raw, _ in final]
    if not kept or (outcome.replaced + outcome.dropped) * 2 > len(parts):
        raise Unpublishable(
            "grounding_failed",
            f"{outcome.replaced} replaced and {outcome.dropped} dropped of "
            f"{len(parts)} sentences: " + " | ".join(outcome.problems)[:600],
        )
    cited = {c for raw in kept for c in PLACEHOLDER.findall(raw)}
    outcome.sentences = [
        raw if i in as_streamed or cited & set(paragraph) else _with_paragraph_cite(raw, paragraph)
        for i, (raw, paragraph) in enumerate(final)
    ]
    outcome.text = _join(outcome.sentences)
    return outcome


def narrow_repair(
    chat_model: Any,
    failing: list[SentenceVerdict],
    evidence: str,
    numbering: Numbering,
    language: Language,
    record: dict[str, Any],
) -> list[str | None]:
    """One repair call with only the failing sentences, their reasons and the compact evidence (never the
    whole conversation again: prompts stay far below a small model's context)."""
    back = {cid: n for n, cid in enumerate(numbering.ids, 1)}
    lines = []
    for k, v in enumerate(failing, 1):
        shown = PLACEHOLDER.sub(lambda m: f"[{back.get(m.group(1), '?')}]", v.text).strip()
        lines.append(f'{k}. "{shown}" — ' + "; ".join(v.problems))
    prompt = string.Template(load_prompt(f"repair_sentences_{language}")).safe_substitute(
        sentences="\n".join(lines), evidence=evidence
    )
    log.info("repair prompt (%d chars):\n%s", len(prompt), prompt)
    record["repair_prompt_chars"] = len(prompt)
    try:
        reply = model_text(chat_model.invoke([HumanMessage(prompt)]))
    except Exception as exc:  # noqa: BLE001 - a failed repair leaves the sentences to replacement
        record["repair_error"] = failure_code(exc)
        log.info("repair failed: %s", exc)
        return [None] * len(failing)
    log.info("repair reply: %s", reply)
    fixes: list[str | None] = [None] * len(failing)
    for line in reply.splitlines():
        m = _REPLY_LINE.match(line)
        if m and 1 <= int(m.group(1)) <= len(failing) and m.group(2).strip() not in ("-", "—", ""):
            fixes[int(m.group(1)) - 1] = numbering.to_placeholders(m.group(2).strip().strip('"“”'))[0]
    return fixes


def strip_unknown(text: str, checker: SentenceChecker) -> str:
    """Markers to ids that do not exist are removed (their sentence then lacks a citation and fails itself)."""
    return PLACEHOLDER.sub(lambda m: m.group(0) if m.group(1) in checker.ev.sources else "", text)


def _offline_line(
    v: SentenceVerdict, offline: list[SentenceVerdict], used: set[int], final: list[tuple[str, list[str]]]
) -> int | None:
    """The passing offline sentence sharing most subjects with the failing one (none shared: drop it)."""
    present = {PLACEHOLDER.sub("", raw).strip() for raw, _ in final}
    best, score = None, 0
    for j, o in enumerate(offline):
        if j in used or not o.ok or o.plain in present or not o.plain:
            continue
        overlap = 2 * len(set(v.subjects) & set(o.subjects)) + (
            len(set(v.subjects) & set(o.subjects)) > 0 and _same_measures(v.plain, o.plain)
        )
        if overlap > score:
            best, score = j, overlap
    return best


def _same_measures(a: str, b: str) -> bool:
    return any(bool(p.search(a)) and bool(p.search(b)) for p in MEASURE_WORDS.values())


def _with_paragraph_cite(raw: str, paragraph: list[str]) -> str:
    """A sentence that relied on its paragraph's citation carries it itself once it stands alone."""
    if PLACEHOLDER.search(raw) or not paragraph:
        return raw
    body = raw.rstrip()
    end = re.search(r"[。！？!?.；;]*$", body)
    cut = end.start() if end else len(body)
    return body[:cut] + "".join(f"[[cite:{c}]]" for c in dict.fromkeys(paragraph)) + body[cut:] + " "


def _as_prose(line: str, language: str) -> str:
    """An offline line (maybe a list item without a full stop) as a sentence among the model's."""
    line = re.sub(r"^[-*+]\s+", "", line.strip())
    if not re.search(r"[。！？!?.；;](?:\[\[cite:[^\]\s]+\]\])*$", line):
        line += "。" if language == "zh" else "."
    return line


def _join(sentences: list[str]) -> str:
    text = "".join(sentences)
    return re.sub(r"[ \t]+\n", "\n", re.sub(r"[ \t]{2,}", " ", text)).strip()


__all__ = [
    "Outcome",
    "Repair",
    "Unpublishable",
    "check_parts",
    "narrow_repair",
    "publish",
    "strip_unknown",
]
