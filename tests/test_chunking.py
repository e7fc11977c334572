"""Chunking keeps Chinese sentences, headings and clauses together; metadata carries what filters need."""

from __future__ import annotations

import datetime as dt

from ingest.chunking import Chunker, ChunkerConfig, detect_language
from ingest.items import IngestItem
from ingest.loaders import html_to_markdown, text_to_markdown
from ingest.symbols import SymbolTagger

TZ = dt.timezone(dt.timedelta(hours=8))
METHOD = """# 中证500质量成长指数编制方案

## 一、指数简介

中证500质量成长指数从中证500指数样本中选取100只证券作为指数样本。

## 五、指数样本定期调整

1. 指数样本每半年调整一次，样本调整实施时间分别为每年6月和12月的第二个星期五的下一交易日；
2. 两次定期调整之间，权重因子一般固定不变；
"""


def doc(text: str, **kw: object) -> IngestItem:
    return IngestItem(
        citation_id="csi-930939-methodology", kind="document", title="编制方案", text=text, **kw
    )  # type: ignore[arg-type]


def test_clause_stays_with_its_heading() -> None:
    chunks = Chunker().chunk(doc(METHOD), "h")
    clause = [c for c in chunks if "样本每半年调整一次" in c.text]
    assert len(clause) == 1
    assert "五、指数样本定期调整" in clause[0].text  # heading path is part of the indexed text
    assert clause[0].metadata["section"].endswith("五、指数样本定期调整")
    assert "两次定期调整之间" in clause[0].text  # a short section is one chunk


def test_long_section_splits_at_chinese_sentence_ends_and_repeats_heading() -> None:
    sentence = "样本每半年调整一次，实施时间为每年6月和12月的第二个星期五的下一交易日。"
    text = "## 五、样本调整\n\n" + sentence * 20
    chunks = Chunker(ChunkerConfig(doc_chunk_size=120, overlap=0)).chunk(doc(text), "h")
    assert len(chunks) > 3
    for c in chunks:
        body = c.text.split("\n", 1)[1]
        assert c.text.startswith("编制方案 > 五、样本调整")
        assert body.endswith("。"), body  # never cut mid-sentence
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_english_decimals_and_codes_are_not_sentence_breaks() -> None:
    text = "Xiamen Tungsten (600549.SH) rose 3.5% today. " * 30
    chunks = Chunker(ChunkerConfig(news_chunk_size=100, overlap=0)).chunk(
        IngestItem("n1", "news", "Tungsten", text, published_at=dt.datetime(2026, 1, 9, tzinfo=TZ)), "h"
    )
    for c in chunks:
        assert "600549.SH" in c.text or "3.5%" in c.text or c.text.strip().endswith(".")
        assert "3.\n" not in c.text and not c.text.endswith("600549.")


def test_news_metadata_and_symbols_from_names() -> None:
    tagger = SymbolTagger({"厦门钨业": "600549", "Western Mining": "601168"})
    item = IngestItem(
        "a1",
        "news",
        "钨价上涨",
        "厦门钨业午后封涨停，Western Mining 也走强。",
        source="s",
        published_at=dt.datetime(2026, 1, 9, 14, 20, tzinfo=TZ),
        symbols=("560500",),
    )
    [chunk] = Chunker(tagger=tagger).chunk(item, "hash1")
    m = chunk.metadata
    assert chunk.text.startswith("钨价上涨\n")
    assert m["citation_id"] == "a1" and m["kind"] == "news" and m["language"] == "zh"
    assert m["published_at_ts"] == int(item.published_at.timestamp())  # type: ignore[union-attr]
    assert m["published_at"] == "2026-01-09T14:20:00+08:00"
    assert m["symbols"] == "560500,600549,601168"
    assert m["sym_600549"] is True and m["sym_601168"] is True
    assert all(v is not None and not isinstance(v, list) for v in m.values())


def test_symbol_tagger_ignores_bare_amounts() -> None:
    t = SymbolTagger({"厦门钨业": "600549"})
    assert t.find("成交额123456元，600549涨停") == {"600549"}
    assert t.find("招商银行（600036）与 SZ000001、601398.SH") == {"600036", "000001", "601398"}


def test_plain_text_and_html_headings_become_markdown() -> None:
    md = text_to_markdown("第一章 总则\n本基金…\n一、样本调整\n每半年调整一次。")
    assert "## 第一章 总则" in md and "## 一、样本调整" in md
    html, title = html_to_markdown(
        "<html><title>T</title><body><h2>样本调整</h2><p>每半年一次。</p><script>x()</script></body></html>"
    )
    assert title == "T" and html == "## 样本调整\n\n每半年一次。"


def test_detect_language() -> None:
    assert detect_language("钨价上涨") == "zh"
    assert detect_language("Tungsten prices rise") == "en"


def test_titles_and_headings_are_bounded_and_nothing_is_lost() -> None:
    """A 400k-character title used to become one 400k-character chunk (and minutes of embedding)."""
    config = ChunkerConfig()
    limit = config.news_chunk_size + 200  # a chunk: its piece plus a bounded header
    title = "钨" * 400_000
    news = IngestItem(citation_id="n", kind="news", title=title, text="钨价上涨。")
    chunks = Chunker(config).chunk(news, "h")
    assert chunks and max(len(c.text) for c in chunks) <= limit
    assert all(len(str(c.metadata["title"])) <= 160 for c in chunks)
    assert sum(c.text.count("钨") for c in chunks) >= 400_000  # the whole title is still text, windowed
    heading = "# " + "标" * 50_000 + "\n\n正文一句。"
    chunks = Chunker(config).chunk(doc(heading), "h")
    assert max(len(c.text) for c in chunks) <= config.doc_chunk_size + 600
    assert sum(c.text.count("标") for c in chunks) >= 50_000 and any("正文一句" in c.text for c in chunks)


def test_a_long_text_is_windowed_and_embedded_with_progress(tmp_path: object) -> None:
    """400k characters without a separator: bounded chunks, embedded batch by batch with progress."""
    from pathlib import Path

    from assistant.config import Settings
    from assistant.retrieval.store import ChunkStore
    from ingest.pipeline import ingest_items
    from ingest.report import Progress

    store = ChunkStore.open(Settings(store=Path(str(tmp_path)) / "s"), embedder="hash:64")
    seen: list[Progress] = []
    item = IngestItem(citation_id="long", kind="document", title="长文", text="钨" * 400_000)
    report = ingest_items([item], store, progress=seen.append, batch_chunks=256)
    assert report.added[0].chunks > 1000
    embeds = [p for p in seen if p.stage == "embed"]
    assert len(embeds) >= 4 and embeds[-1].done == embeds[-1].total == report.chunks_written
    assert [p.done for p in embeds] == sorted(p.done for p in embeds)
