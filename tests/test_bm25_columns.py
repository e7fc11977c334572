"""The query side of BM25 without bm25s: scores bit-identical to bm25s's own, and a tampered file refused."""

from __future__ import annotations

import random
from pathlib import Path

import bm25s
import numpy as np
import pytest

from assistant.retrieval.bm25_columns import Bm25Columns

WORDS = ["钨", "价格", "上涨", "指数", "调整", "tungsten", "price", "rise", "index", "review", "基金", "份额"]


def _corpus(seed: int, docs: int = 60) -> list[list[str]]:
    rng = random.Random(seed)
    return [[rng.choice(WORDS) for _ in range(rng.randint(1, 30))] for _ in range(docs)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scores_are_bit_identical_to_bm25s_after_a_save_and_load(seed: int, tmp_path: Path) -> None:
    corpus = _corpus(seed)
    bm25 = bm25s.BM25()
    bm25.index(corpus, show_progress=False)
    Bm25Columns.of(bm25, len(corpus)).save(tmp_path)
    columns = Bm25Columns.load(tmp_path)
    rng = random.Random(seed)
    for _ in range(20):
        query = [rng.choice(WORDS) for _ in range(rng.randint(1, 6))]  # repeats count twice, as in bm25s
        known = [t for t in query if t in bm25.vocab_dict]
        if known:
            assert np.array_equal(columns.scores(query), bm25.get_scores(known))
    assert not columns.scores(["not-a-word"]).any()


def test_a_tampered_index_is_refused(tmp_path: Path) -> None:
    corpus = _corpus(4)
    bm25 = bm25s.BM25()
    bm25.index(corpus, show_progress=False)
    Bm25Columns.of(bm25, len(corpus)).save(tmp_path)
    indices = np.load(tmp_path / "indices.npy")
    indices[0] = 10_000  # a row past the last chunk: reading it would index out of bounds
    np.save(tmp_path / "indices.npy", indices)
    with pytest.raises(ValueError, match="not a BM25 column index"):
        Bm25Columns.load(tmp_path)


def test_an_unindexed_bm25_has_empty_columns() -> None:
    assert not Bm25Columns.of(bm25s.BM25(), 0).scores(["钨"]).size
