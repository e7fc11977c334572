"""`HybridRetriever`: `HybridSearcher` as a LangChain `BaseRetriever`, so agents, chains and the evaluation suite
use exactly the product's retrieval.

Every search option can be set at construction and overridden per call (`retriever.invoke(q, k=1,
kind="news", symbols=["600549"], as_of=...)`). Look-ahead is impossible by default: `as_of` defaults to the
data's as-of time (the searcher's `data_as_of`), and a later one is clamped to it. A retriever that knows
neither refuses to be built. Importing this module costs the LangChain retriever stack, so `hybrid` loads it
only when `HybridRetriever` is asked for.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, model_validator

from assistant.retrieval.hybrid import HybridSearcher, Mode

CALL_OPTIONS = ("k", "as_of", "kind", "symbols", "trade_date", "mode", "max_per_citation")


class HybridRetriever(BaseRetriever):
    """Returned Documents carry the chunk text, `id` = chunk id, and metadata with `citation_id`, `chunk_id`,
    `score` and everything stored with the chunk (kind, title, published_at, symbols...)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: HybridSearcher
    k: int = Field(default=5, ge=1, le=200, description="How many documents to return.")
    as_of: dt.datetime | None = Field(
        default=None, description="Latest publication time (default: the data's)."
    )
    kind: str | list[str] | None = Field(default=None, description="news, document, or both (None).")
    symbols: list[str] | None = Field(default=None, description="Codes the chunks must be tagged with.")
    trade_date: dt.date | None = None
    mode: Mode = "hybrid"
    max_per_citation: int | None = Field(default=1, description="Chunks per article/document (None: all).")

    @model_validator(mode="after")
    def _bounded_in_time(self) -> HybridRetriever:
        if self.as_of is None and self.searcher.data_as_of is None:
            raise ValueError(
                "give as_of (the data's as-of time) or a searcher built with data_as_of: without "
                "either, articles published after the data could be returned"
            )
        return self

    def search_options(self, overrides: dict[str, Any]) -> dict[str, Any]:
        """The search arguments of one call: the constructor's, overridden by the call's, `as_of` clamped."""
        unknown = sorted(set(overrides) - set(CALL_OPTIONS))
        if unknown:
            raise TypeError(f"unknown retriever option(s) {unknown}; known: {', '.join(CALL_OPTIONS)}")
        options = {name: getattr(self, name) for name in CALL_OPTIONS}
        options.update(overrides)
        limit = self.searcher.data_as_of
        as_of = options["as_of"] if options["as_of"] is not None else limit
        if isinstance(as_of, str):
            as_of = dt.datetime.fromisoformat(as_of)
        if limit is not None and as_of is not None and as_of > limit:
            as_of = limit
        options["as_of"] = as_of
        options["k"] = int(options["k"])
        return options

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        options = self.search_options(kwargs)
        hits = self.searcher.search(query, **options)
        return [
            Document(
                page_content=h.text,
                id=h.chunk_id,
                metadata={**h.metadata, "chunk_id": h.chunk_id, "score": h.score},
            )
            for h in hits
        ]


__all__ = ["CALL_OPTIONS", "HybridRetriever"]
