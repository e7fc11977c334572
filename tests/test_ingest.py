"""Ingestion: idempotent, atomic per document, honest about bad input."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from assistant.config import Settings, bundled_sample_path
from assistant.retrieval.embedders import HashingEmbedder
from assistant.retrieval.hybrid import HybridSearcher
from assistant.retrieval.store import ChunkStore, EmbedderMismatchError, make_client, reindex
from ingest.cli_support import exit_code, render_report, run_ingest
from ingest.pipeline import ingest_paths, ingest_snapshot

SAMPLE = bundled_sample_path()


class CountingEmbedder(HashingEmbedder):
    """Counts texts embedded, to prove unchanged input never reaches the model."""

    def __init__(self) -> None:
        super().__init__(64)
        self.name = "hash:64"
        self.embedded = 0

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded += len(texts)
        return super().embed_documents(texts)


@pytest.fixture
def store(tmp_path: Path) -> ChunkStore:
    return ChunkStore.open(Settings(store=tmp_path / "store"), embedder=CountingEmbedder())


def article(i: str, body: str = "钨价上涨。", **kw: object) -> dict[str, object]:
    return {"id": i, "title": f"标题{i}", "published_at": "2026-01-08T10:00:00+08:00", "body": body, **kw}


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows),
        encoding="utf-8",
    )
    return path


def test_snapshot_ingest_then_unchanged_reingest_embeds_nothing(store: ChunkStore) -> None:
    report = ingest_snapshot(SAMPLE, store)
    ids = {o.item for o in report.added}
    assert {"csi-930939-methodology", "fund-560500-profile", "sample-20260109-tungsten-zh"} <= ids
    assert any(i.startswith("em-") for i in ids)  # stock_news_em frame rows
    assert "sample-20260110-lookahead" in ids  # future-dated: stored...
    assert any("sample-20260110-lookahead" in n and "after as_of" in n for n in report.notes)
    assert not report.rejected
    embedded = store.embedder.embedded  # type: ignore[attr-defined]
    again = ingest_snapshot(SAMPLE, store)
    assert not again.added and not again.replaced and len(again.unchanged) == len(report.added)
    assert store.embedder.embedded == embedded  # type: ignore[attr-defined]
    assert store.lexicon()["Xiamen Tungsten"] == "600549"  # lexicon recorded for query-time linking


def test_a_start_up_ingest_skips_a_snapshot_the_store_already_holds(
    store: ChunkStore, tmp_path: Path
) -> None:
    import shutil

    snap = Path(shutil.copytree(SAMPLE, tmp_path / "snap"))
    first = ingest_snapshot(snap, store, skip_if_held=True)
    assert first.added and not first.rejected
    again = ingest_snapshot(snap, store, skip_if_held=True)
    assert not again.outcomes and "unchanged since its last ingest" in again.notes[0]  # nothing read
    assert len(ingest_snapshot(snap, store).unchanged) == len(
        first.added
    )  # without the flag: checked item by item

    other = write_jsonl(tmp_path / "n.jsonl", [article("loose-1")])
    ingest_paths([other], store)  # another write since: the next start checks every item again
    assert len(ingest_snapshot(snap, store, skip_if_held=True).unchanged) == len(first.added)
    assert not ingest_snapshot(snap, store, skip_if_held=True).outcomes

    news = next((snap / "news").glob("*.jsonl"))
    extra = article("late-added", "钨价继续上涨。", symbols=["600549"])
    news.write_text(news.read_text(encoding="utf-8") + json.dumps(extra, ensure_ascii=False) + "\n", "utf-8")
    edited = ingest_snapshot(snap, store, skip_if_held=True)  # an edited snapshot is read again
    assert [o.item for o in edited.added] == ["late-added"]


def test_changed_document_replaces_old_chunks(store: ChunkStore, tmp_path: Path) -> None:
    f = write_jsonl(tmp_path / "n.jsonl", [article("a1", "旧内容：钨价下跌。" * 40), article("a2")])
    ingest_paths([f], store)
    write_jsonl(f, [article("a1", "新内容：钨价上涨。"), article("a2")])
    report = ingest_paths([f], store)
    assert [o.item for o in report.replaced] == ["a1"] and [o.item for o in report.unchanged] == ["a2"]
    got = store.collection.get(where={"citation_id": "a1"}, include=["documents"])
    assert len(got["ids"]) == 1 and "新内容" in got["documents"][0]


def test_interrupted_write_never_exposes_half_a_document(
    store: ChunkStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = write_jsonl(tmp_path / "n.jsonl", [article("a1", "厦门钨业涨停。" * 60)])
    original = store.collection.update

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(store.collection, "update", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest_paths([f], store)
    assert store.collection.count() > 0  # chunks were written...
    searcher = HybridSearcher(store)
    assert searcher.search("厦门钨业", k=5) == []  # ...but none is visible
    monkeypatch.setattr(store.collection, "update", original)
    report = ingest_paths([f], store)
    assert [o.item for o in report.added] == ["a1"]  # manifest never recorded it: re-run completes it
    assert {h.citation_id for h in searcher.search("厦门钨业", k=5)} == {"a1"}
    assert store.collection.get(where={"complete": False})["ids"] == []


def test_bad_inputs_are_rejected_with_reasons(store: ChunkStore, tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    write_jsonl(
        d / "news.jsonl",
        [
            article("ok"),
            "{not json",
            {"id": "x", "title": "t"},
            article("naive", published_at="2026-01-08 10:00"),
        ],
    )
    (d / "empty.md").write_text("", encoding="utf-8")
    (d / "blob.txt").write_bytes(b"\x00\x01\x02binary\x00")
    (d / "gbk.txt").write_bytes("中证指数样本每半年调整一次。".encode("gb18030"))
    (d / "big.md").write_text("# 大\n" + "字" * 3000, encoding="utf-8")
    loose = tmp_path / "data.csv"
    loose.write_text("a,b\n", encoding="utf-8")
    report = ingest_paths([d, loose, tmp_path / "missing.md"], store, max_file_bytes=4096)
    reasons = {Path(o.item).name: o.reason for o in report.rejected}
    assert "not valid JSON" in reasons["news.jsonl:2"]
    assert "published_at, body" in reasons["news.jsonl:3"]
    assert reasons["empty.md"] == "empty file"
    assert "binary" in reasons["blob.txt"]
    assert "too large" in reasons["big.md"]
    assert "unsupported file type .csv" in reasons["data.csv"]
    assert "no such file" in reasons["missing.md"]
    assert {o.item for o in report.added} == {"ok", "naive", "gbk"}
    assert any("gbk.txt: decoded as GB18030" in n for n in report.notes)
    assert any("news.jsonl:4" in n and "+08:00" in n for n in report.notes)
    out = io.StringIO()
    render_report(report, Console(file=out, width=200))
    assert "rejected" in out.getvalue() and "news.jsonl:2" in out.getvalue()
    assert exit_code(report) == 0


def test_pdf_and_html_documents(store: ChunkStore, tmp_path: Path) -> None:
    (tmp_path / "m.html").write_text(
        "<html><title>Method</title><h2>Rebalancing</h2><p>Semi-annual review.</p></html>", encoding="utf-8"
    )
    (tmp_path / "f.pdf").write_bytes(_tiny_pdf("Fund factsheet: tracking CSI 500 Quality Growth."))
    report = ingest_paths([tmp_path / "m.html", tmp_path / "f.pdf"], store)
    assert {o.item for o in report.added} == {"m", "f"}, report.to_dict()
    texts = store.collection.get(include=["documents", "metadatas"])
    assert any("Quality Growth" in t for t in texts["documents"])
    assert any(m.get("section") == "Rebalancing" for m in texts["metadatas"])


def test_cli_exit_code_when_nothing_ingested(tmp_path: Path) -> None:
    settings = Settings(store=tmp_path / "s", embedder="hash:64")
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    out = io.StringIO()
    assert run_ingest(settings, [tmp_path / "empty.jsonl"], console=Console(file=out, width=200)) == 1
    assert "empty file" in out.getvalue()
    assert run_ingest(settings, [], snapshot=SAMPLE, console=Console(file=io.StringIO())) == 0


def test_embedder_switch_requires_reindex(tmp_path: Path) -> None:
    settings = Settings(store=tmp_path / "s")
    store = ChunkStore.open(settings, embedder=HashingEmbedder(64))
    write_jsonl(tmp_path / "n.jsonl", [article("a1", "厦门钨业涨停。")])
    ingest_paths([tmp_path / "n.jsonl"], store)
    with pytest.raises(EmbedderMismatchError, match="reindex"):
        ChunkStore.open(settings, embedder=HashingEmbedder(32))
    new = reindex(make_client(settings), HashingEmbedder(32))
    assert new.built_with == "hash:32" and new.count() == 1
    reopened = ChunkStore.open(settings, embedder=HashingEmbedder(32))
    assert [h.citation_id for h in HybridSearcher(reopened).search("厦门钨业", k=1)] == ["a1"]
    assert not ingest_paths([tmp_path / "n.jsonl"], reopened).added  # manifest survives the re-index


def _tiny_pdf(text: str) -> bytes:
    """A one-page PDF with a Helvetica text line, built by hand (pypdf cannot write text)."""
    stream = f"BT /F1 12 Tf 40 700 Td ({text}) Tj ET".encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def test_pipelined_batches_store_exactly_what_one_batch_stores(tmp_path: Path) -> None:
    """Embedding overlaps the writes of the previous batch; the stored chunks and the report must not change."""
    from ingest.loaders import load_paths
    from ingest.pipeline import Ingestor

    f = write_jsonl(
        tmp_path / "n.jsonl", [article(f"a{i}", f"第{i}篇：厦门钨业涨停。" * (20 + i)) for i in range(12)]
    )
    results = []
    for batch_chunks in (10_000, 3):
        store = ChunkStore.open(Settings(store=tmp_path / f"s{batch_chunks}"), embedder=CountingEmbedder())
        report = Ingestor(store, batch_chunks=batch_chunks).run(load_paths([f], 10**7))
        got = store.collection.get(include=["documents", "metadatas", "embeddings"])
        rows = sorted(
            zip(
                got["ids"],
                got["documents"],
                [sorted(m.items()) for m in got["metadatas"]],
                [np.round(e, 6).tolist() for e in got["embeddings"]],
            )
        )
        results.append(
            (
                [(o.item, o.status, o.chunks) for o in report.outcomes],
                report.chunks_written,
                rows,
                sorted(store.manifest().items()),
            )
        )
    assert results[0] == results[1] and results[0][1] > 6


def test_loose_files_are_identified_by_path_not_stem(store: ChunkStore, tmp_path: Path) -> None:
    """`a/notes.md` and later `c/notes.md` used to replace each other (both were `notes`)."""
    for folder, text in (
        ("a", "钨价上涨，甲文件。"),
        ("c", "铜价下跌，丙文件。"),
        ("d", "稀土走强，丁文件。"),
    ):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "notes.md").write_text(f"# 笔记\n\n{text}", encoding="utf-8")
    first = ingest_paths([tmp_path / "a" / "notes.md"], store)
    assert [o.item for o in first.added] == ["notes"]
    second = ingest_paths([tmp_path / "c" / "notes.md"], store)
    (c_id,) = [o.item for o in second.added]
    assert c_id.startswith("notes~") and not second.replaced
    assert any("already belongs to" in n and c_id in n for n in second.notes), second.notes
    stored = " ".join(store.collection.get(where={"complete": True}, include=["documents"])["documents"])
    assert "甲文件" in stored and "丙文件" in stored  # neither replaced the other
    again = ingest_paths([tmp_path / "c" / "notes.md", tmp_path / "a" / "notes.md"], store)
    assert sorted(o.item for o in again.unchanged) == sorted(["notes", c_id])  # stable ids, nothing rewritten
    (tmp_path / "a" / "notes.md").write_text("# 笔记\n\n钨价回落，甲文件改。", encoding="utf-8")
    update = ingest_paths([tmp_path / "a" / "notes.md", tmp_path / "d" / "notes.md"], store)
    assert [o.item for o in update.replaced] == ["notes"]  # the same file's new content: an update, reported
    assert any("changed since it was last ingested" in n for n in update.notes), update.notes
    assert len(update.added) == 1 and update.added[0].item not in (
        "notes",
        c_id,
    )  # a third notes.md, same batch
    assert {"notes", c_id, update.added[0].item} <= set(store.manifest())


def test_an_article_id_from_another_file_is_a_reported_conflict(store: ChunkStore, tmp_path: Path) -> None:
    write_jsonl(tmp_path / "x.jsonl", [article("dup", body="第一个来源的正文。")])
    write_jsonl(tmp_path / "y.jsonl", [article("dup", body="第二个来源的不同正文。")])
    ingest_paths([tmp_path / "x.jsonl"], store)
    report = ingest_paths([tmp_path / "y.jsonl"], store)
    assert [o.item for o in report.replaced] == ["dup"]
    assert any("conflict" in n and "x.jsonl" in n for n in report.notes), report.notes


def test_big5_is_detected_not_read_as_gb18030_mojibake(store: ChunkStore, tmp_path: Path) -> None:
    """Almost any Big5 file also decodes as GB18030: "鎢價上漲" was stored as "码基害计" under a GB18030 note."""
    (tmp_path / "tw.txt").write_bytes("鎢價上漲，指數走強。中證指數樣本每半年調整一次。".encode("big5"))
    (tmp_path / "cn.txt").write_bytes("钨价上涨，指数走强。中证指数样本每半年调整一次。".encode("gb18030"))
    report = ingest_paths([tmp_path / "tw.txt", tmp_path / "cn.txt"], store)
    assert {o.item for o in report.added} == {"tw", "cn"}, report.to_dict()
    assert any(n.endswith("tw.txt: decoded as BIG5") for n in report.notes), report.notes
    assert any(n.endswith("cn.txt: decoded as GB18030") for n in report.notes), report.notes
    stored = " ".join(store.collection.get(include=["documents"])["documents"])
    assert "鎢價上漲" in stored and "钨价上涨" in stored


def test_the_lexicon_from_a_loaded_snapshot_is_the_one_read_from_its_files() -> None:
    from assistant.market.snapshot import SnapshotSource
    from ingest.symbols import lexicon_from_snapshot

    from_files = lexicon_from_snapshot(SAMPLE)
    assert from_files["Xiamen Tungsten"] == "600549" and len(from_files) > 100
    assert lexicon_from_snapshot(SAMPLE, SnapshotSource(SAMPLE)) == from_files
