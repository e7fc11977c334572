"""Writer mode (the default LLM mode): the offline path computes the facts, the model only writes the text.

Small models fail as agents (the local 1.5B called a tool in 3 of 20 cases), but they can write. So:
1. The offline answerer answers the question deterministically: its plan picks the tools, every number is a
   registered fact, every source a citation.
2. The model gets a compact evidence pack (a few hundred tokens): the sources numbered `[1]`, `[2]` ... and the
   checked facts as short lines citing those numbers, and writes the answer.
3. `Numbering` maps the model's `[n]` back to citation ids; `publish` checks every sentence against the
   offline answer's facts and passages (subject, measure, sign, unit), repairs only failing sentences, then
   replaces or drops what still fails.

Answers without evidence (no facts and no passages: abstentions, "no data", declined asks) are published
offline as `offline_fallback` with reason `no_evidence`: there is nothing for a writer to write from.
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Generator, Iterator
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.answer.check import SentenceChecker, SentenceVerdict
from assistant.answer.check_words import ABSTAIN, REFUSAL
from assistant.answer.evidence_pack import (
    Numbering,
    display_text,
    evidence_of_answer,
    released_above,
    renumbered,
    with_placeholders,
)
from assistant.answer.llm import load_prompt, with_answerer
from assistant.answer.publish import Unpublishable, narrow_repair, publish
from assistant.answer.schema import Answer
from assistant.answer.sentences import PLACEHOLDER, split_sentences
from assistant.answer.streaming import SentenceStreaming, Step, release_checked

log = logging.getLogger(__name__)
Language = Literal["zh", "en"]
MAX_SENTENCES = 5
MAX_PACK_CHARS = 1800


def split_footer(text: str) -> tuple[str, str]:
    """(body, footer): the offline answer's closing paragraph says where the data comes from and as of when
    (sample/live, as-of time, frames). It is kept verbatim under the written answer, never paraphrased."""
    head, sep, last = text.rpartition("\n\n")
    if sep and ("AKShare" in last or "数据来源" in last or "Source" in last):
        return head, last
    return text, ""


def split_refusal(body: str) -> tuple[str, str]:
    """(lead, rest): the offline answer's first paragraph when it declines ("我不做预测", "I don't give investment
    advice", "本数据未披露…"). A decline is the plan's decision; the model writes only what follows it."""
    lead, _sep, rest = body.partition("\n\n")
    if REFUSAL.search(lead) or ABSTAIN.search(lead):
        return lead.strip(), rest
    return "", body


def split_quoted(body: str, passages: set[str]) -> tuple[str, str]:
    """(body, quoted): paragraphs that quote retrieved headlines (“…” with passage citations only) are kept
    verbatim under the written text, like the footer: a small model paraphrasing news distorts it or drops
    the citation (the 1.5B cited no passage in 16 answers), and a quote needs no rewriting."""
    kept, quoted = [], []
    for para in body.split("\n\n"):
        ids = set(PLACEHOLDER.findall(para))
        if ids and ids <= passages and re.search(r"[“「\"]", para):
            quoted.append(para.strip())
        else:
            kept.append(para)
    return "\n\n".join(kept), "\n\n".join(quoted)


class WriterAnswerer(SentenceStreaming):
    """`answer(question, context)` like the offline answerer; the text is written by `chat_model`. Streams
    verified sentences while the model writes (`answer(..., on_sentence=...)`, `answer_stream`: streaming.py)."""

    name = "llm"

    def __init__(
        self, chat_model: BaseChatModel, offline: Any, lexicon: Any, *, max_sentences: int = MAX_SENTENCES
    ) -> None:
        self.chat_model = chat_model
        self.offline = offline
        self.lexicon = lexicon
        self.max_sentences = max_sentences

    def _steps(self, question: str, context: dict[str, Any] | None) -> Iterator[Step]:
        """Released sentences (placeholders) while the model writes, then `(answer, context)`. Sentences once
        released are never taken back: a later fallback publishes them above the offline answer."""
        base, ctx = self.offline.answer(question, context)
        ctx = dict(ctx or {})
        record: dict[str, Any] = {"mode": "writer", "fallback_reason": None}
        released: list[str] = []
        try:
            answer = yield from self._write(question, base, record, released)
            if released and not answer.answer.startswith(display_text("".join(released))):
                log.warning("a streamed sentence was not published as streamed; it stays above the answer")
                answer = released_above(answer, base, "".join(released))
        except Unpublishable as exc:
            log.warning(
                "LLM answer not published (%s), returning the offline answer instead: %s", exc.code, exc
            )
            record["fallback_reason"], record["detail"] = exc.code, str(exc)
            answer = with_answerer(base, "offline_fallback", exc.code)
            if released:
                answer = released_above(answer, base, "".join(released))
            yield answer, {**ctx, "answerer": "offline_fallback", "llm": record}
            return
        who = answer.answerer
        log.info("LLM answer published (%s)", who)
        yield answer, {**ctx, "answerer": who, "llm": record}

    # -- steps ---------------------------------------------------------------------------------------
    def _write(
        self, question: str, base: Answer, record: dict[str, Any], released: list[str]
    ) -> Generator[str, None, Answer]:
        if not base.facts and not any(c.kind != "data" for c in base.citations):
            raise Unpublishable("no_evidence", "the offline answer has no facts or passages to write from")
        language: Language = base.language
        numbering = Numbering()
        body, footer = split_footer(with_placeholders(base))
        lead, body = split_refusal(body)
        body, quoted = split_quoted(body, {c.id for c in base.citations if c.kind != "data"})
        if lead:  # the plan declined (a forecast, advice, data that is not there): its words, kept verbatim
            if not body.strip():
                raise Unpublishable("declined", "the offline answer declines and has nothing else to write")
            released.append(lead + "\n\n")
            yield lead + "\n\n"
        pack = self.pack(question, base, body, numbering)
        system = string.Template(load_prompt(f"system_writer_{language}")).safe_substitute(
            max_sentences=self.max_sentences
        )
        log.info("writer prompt (%d chars):\n%s", len(system) + len(pack), pack)
        checker = SentenceChecker(evidence_of_answer(base, self.lexicon), language)
        footer_ids = frozenset(PLACEHOLDER.findall(footer))
        chunks = self.chat_model.stream([SystemMessage(system), HumanMessage(pack)])
        draft = yield from release_checked(
            (c.content if isinstance(c.content, str) else "" for c in chunks),
            checker,
            numbering,
            record,
            released,
            footer_ids,
        )
        log.info("draft: %s", draft)
        text, unknown = numbering.to_placeholders(draft)
        record["unknown_markers"] = unknown

        def repair(failing: list[SentenceVerdict]) -> list[str | None]:
            return narrow_repair(
                self.chat_model, failing, pack.split("\n\n", 1)[-1], numbering, language, record
            )

        outcome = publish(text, checker, body, repair, footer, keep=len(released) - bool(lead))
        record.update(
            problems=outcome.problems,
            repaired=outcome.repaired,
            replaced=outcome.replaced,
            dropped=outcome.dropped,
        )
        who = "llm_repaired" if outcome.touched else "llm"
        tail = "".join(f"\n\n{part}" for part in (quoted, footer) if part)
        final = (f"{lead}\n\n" if lead else "") + outcome.text + tail
        return with_answerer(renumbered(base, final), who)

    def pack(self, question: str, base: Answer, body: str, numbering: Numbering) -> str:
        """The compact evidence: numbered sources, then the checked facts (the offline answer's `body`
        sentences) as lines citing those numbers."""
        for c in base.citations:
            numbering.number(c.id)
        facts: list[str] = []
        size = 0
        for a, b in split_sentences(body):
            line = PLACEHOLDER.sub(lambda m: f"[{numbering.number(m.group(1))}]", body[a:b])
            line = re.sub(r"^[\s*\-+]+", "", line.replace("**", "")).strip()
            if not line or size + len(line) > MAX_PACK_CHARS:
                continue
            facts.append(f"- {line}")
            size += len(line)
        by_id = {c.id: c for c in base.citations}
        sources = []
        for n, cid in enumerate(numbering.ids, 1):
            c = by_id[cid]
            label = c.title if c.kind != "data" else f"AKShare {cid}"
            when = f", {c.published_at[:10]}" if c.published_at and c.kind != "data" else ""
            sources.append(f"[{n}] {label} ({c.kind}{when})")
        zh = base.language == "zh"
        head = (
            "问题" if zh else "Question",
            "证据" if zh else "Evidence",
            "已核实的事实" if zh else "Checked facts",
        )
        return (
            f"{head[0]}: {question}\n\n{head[1]}:\n"
            + "\n".join(sources)
            + f"\n\n{head[2]}:\n"
            + "\n".join(facts)
        )


__all__ = ["WriterAnswerer"]
