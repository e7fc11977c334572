"""The query side of BM25 without bm25s: scores bit-identical to bm25s's own, and a tampered file refused."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import bm25s
import numpy as np
import pytest

from assistant.retrieval.bm25_columns import CACHED_INDEXES, Bm25Columns, build_columns

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


def test_an_index_of_the_same_tokens_is_read_from_the_per_user_cache(tmp_path: Path) -> None:
    corpus = _corpus(5)
    built = build_columns(corpus, tmp_path)
    [entry] = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert np.array_equal(
        build_columns(corpus, tmp_path).scores(["钨", "rise"]), built.scores(["钨", "rise"])
    )
    corpus_file = tmp_path.parent / "corpus.json"
    corpus_file.write_text(json.dumps(corpus), encoding="utf-8")
    program = (
        "import json, sys; from pathlib import Path; from assistant.retrieval.bm25_columns import build_columns;"
        "corpus = json.loads(Path(sys.argv[1]).read_text(encoding='utf-8'));"
        "build_columns(corpus, Path(sys.argv[2])); print('bm25s' in sys.modules, 'scipy' in sys.modules)"
    )
    command = [sys.executable, "-c", program, str(corpus_file), str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
    (entry / "indices.npy").write_bytes(b"damaged")
    assert np.array_equal(build_columns(corpus, tmp_path).data, built.data)  # rebuilt and kept again
    assert np.array_equal(Bm25Columns.load(entry).data, built.data)
    for seed in range(CACHED_INDEXES + 3):
        build_columns(_corpus(100 + seed), tmp_path)
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == CACHED_INDEXES
