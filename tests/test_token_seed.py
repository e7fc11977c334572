"""The shipped BM25 token seed: a fresh store indexes the bundled sample without loading jieba's dictionary, the
seeded tokens are exactly what `tokenize` gives, and a seed made by another tokenizer (or a broken file) is not
used. Regenerate the seed with `python -m ingest.seed`."""

from __future__ import annotations

import gzip
import logging
from pathlib import Path
from typing import Any

import pytest

from assistant.config import Settings, bundled_sample_path
from assistant.retrieval import lexical, token_seed
from assistant.retrieval.embedders import HashingEmbedder
from assistant.retrieval.lexical import LexicalIndex
from assistant.retrieval.safety import is_quarantined
from assistant.retrieval.store import ChunkStore
from assistant.retrieval.tokens import tokenize, tokenizer_id
from ingest.pipeline import ingest_snapshot


@pytest.fixture(scope="module")
def sample_rows(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, dict[str, Any]]]:
    """The bundled sample's chunks as `ask` stores them (chunk texts do not depend on the embedder)."""
    store = ChunkStore.open(Settings(store=tmp_path_factory.mktemp("s")), embedder=HashingEmbedder(64))
    ingest_snapshot(bundled_sample_path(), store)
    return [
        (c.chunk_id, c.text, c.metadata) for page in store.iter_complete(include_documents=True) for c in page
    ]


def test_the_shipped_seed_is_current_and_exact(sample_rows: list[tuple[str, str, dict[str, Any]]]) -> None:
    seeded = token_seed.shipped_tokens()
    assert seeded, f"no seed for tokenizer {tokenizer_id()}: regenerate with python -m ingest.seed"
    searchable = [text for _, text, meta in sample_rows if not is_quarantined(meta, text)]
    assert len(searchable) > 20
    for text in searchable:
        key = token_seed.text_key(text)
        assert key in seeded, f"chunk not seeded: {text[:40]!r} (regenerate with python -m ingest.seed)"
        assert seeded[key] == tokenize(text)


def test_a_fresh_index_of_the_sample_needs_no_jieba_dictionary(
    sample_rows: list[tuple[str, str, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse() -> None:
        raise AssertionError("the index build loaded jieba's whole dictionary")

    monkeypatch.setattr(lexical, "_jieba_full", refuse)
    index = LexicalIndex()
    index.build(sample_rows)
    assert len(index) > 20
    assert all(index._tokens[cid] == tokenize(text) for cid, text in zip(index.ids, index.texts))


def test_texts_outside_the_seed_are_tokenised(sample_rows: list[tuple[str, str, dict[str, Any]]]) -> None:
    index = LexicalIndex()
    index.build([*sample_rows[:3], ("new", "钨精矿报价周五再度上调", {"kind": "news"})])
    assert (
        index._tokens["new"]
        == tokenize("钨精矿报价周五再度上调")
        == ["钨", "精矿", "报价", "周五", "再度", "上调"]
    )
    assert [h.chunk_id for h in index.search("精矿报价", 5)][:1] == ["new"]


def test_a_seed_of_another_tokenizer_or_a_broken_one_is_not_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    file = tmp_path / token_seed.FILE_NAME
    tokens = {token_seed.text_key("钨价上涨"): ["钨价", "上涨"]}
    token_seed.save_tokens(file, tokens, tokenizer_id())
    assert token_seed.load_tokens(file, tokenizer_id()) == tokens
    assert file.stat().st_mode & 0o644 == 0o644
    token_seed.save_tokens(file, tokens, "jieba-0_0_0-other-rules")
    assert token_seed.load_tokens(file, tokenizer_id()) == {}
    with caplog.at_level(logging.WARNING):
        for broken in (
            b"not gzip",
            gzip.compress(b"{not json"),
            gzip.compress(b'{"format": 1, "tokenizer": "%s", "tokens": []}' % tokenizer_id().encode()),
        ):
            file.write_bytes(broken)
            assert token_seed.load_tokens(file, tokenizer_id()) == {}
    assert "ignoring corrupt token seed" in caplog.text
    assert token_seed.load_tokens(tmp_path / "absent.json.gz", tokenizer_id()) == {}


def test_the_tokenizer_id_names_jieba_and_the_rules() -> None:
    ident = tokenizer_id()
    assert ident.startswith("jieba-") and len(ident.rsplit("-", 1)[1]) == 16
    assert ident == tokenizer_id()
