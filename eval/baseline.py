"""The baseline answerer: what most teams build first with the same stack, scored beside the product.

LangChain + Chroma dense retrieval (`langchain_chroma.Chroma` over the project's chunk store, queried through
the project's default embedder wrapped as LangChain `Embeddings`), no tools, no market data, no date filter: the
top-k passages for the question are composed into an extractive answer (so it runs offline, with no LLM) and
returned as the same Answer object. Citations are the passages used (their quotes are the passages, so every
number the baseline repeats is "backed" by a cited passage); `facts` is empty because nothing was computed.

The corpus is the same: the snapshot's news and documents, ingested with `ingest.pipeline.ingest_snapshot` into
the store the settings point at (idempotent; the runner gives every snapshot its own store). The only filter is
the store's own `complete` flag (half-written documents are never visible); "published after as_of" is not
filtered, as in a typical first build. That is the point of the comparison: the measured gap is the value of
tools + attribution + grounding + time filtering.

Usage: `from eval.baseline import BaselineAnswerer` (never `import eval`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from assistant.answer.schema import Answer, Citation, DataInfo
from assistant.config import Settings
from assistant.market.manifest import read_manifest

_CJK = re.compile(r"[\u4e00-\u9fff]")


def question_language(text: str) -> str:
    return "zh" if _CJK.search(text) else "en"


class BaselineAnswerer:
    name = "baseline"

    def __init__(self, settings: Settings, k: int = 4, max_chars: int = 280) -> None:
        from assistant.retrieval.store import ChunkStore
        from ingest.pipeline import ingest_snapshot

        self.settings, self.k, self.max_chars = settings, k, max_chars
        root = Path(settings.snapshot_path)
        store = ChunkStore.open(settings)
        ingest_snapshot(root, store)
        self.vectorstore = store.langchain()
        manifest = read_manifest(root)
        self.data = DataInfo(
            origin=manifest.get("origin", "unknown"),
            as_of=manifest["as_of"],
            trade_date=manifest["trade_date"],
        )

    def retrieve(self, question: str) -> list[Any]:
        return self.vectorstore.similarity_search(question, k=self.k, filter={"complete": True})

    def ask(self, question: str, session_id: str | None = None) -> Answer:  # noqa: ARG002 - no memory
        lang = question_language(question)
        docs = self.retrieve(question)
        citations: list[Citation] = []
        by_id: dict[str, Citation] = {}
        lines: list[str] = []
        for doc in docs:
            meta = doc.metadata or {}
            cid = str(meta.get("citation_id") or meta.get("id") or "unknown")
            passage = " ".join(doc.page_content.split())
            cit = by_id.get(cid)
            if cit is None:
                kind = meta.get("kind") if meta.get("kind") in ("news", "document") else "news"
                cit = Citation(
                    n=len(citations) + 1,
                    id=cid,
                    kind=kind,
                    title=meta.get("title"),
                    source=meta.get("source"),
                    url=meta.get("url"),
                    published_at=meta.get("published_at"),
                    quote=passage,
                )
                by_id[cid] = cit
                citations.append(cit)
            else:
                cit.quote = f"{cit.quote}\n{passage}"
            excerpt = passage if len(passage) <= self.max_chars else passage[: self.max_chars] + "…"
            lines.append(f"- {excerpt} [{cit.n}]")
        if not lines:
            text = (
                "没有检索到相关资料，无法回答。"
                if lang == "zh"
                else "Nothing relevant was retrieved; I cannot answer."
            )
        else:
            head = "根据检索到的资料：" if lang == "zh" else "From the retrieved passages:"
            text = head + "\n" + "\n".join(lines)
        return Answer(
            question=question,
            answer=text,
            language=lang,  # type: ignore[arg-type]
            citations=citations,
            facts=[],
            data=self.data,
        )


__all__ = ["BaselineAnswerer", "question_language"]
