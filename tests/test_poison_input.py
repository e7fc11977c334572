"""One poison item gets its own precise error and the rest of the batch goes in; the store's own records and the
filesystem outside a snapshot stay out of reach."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from snapshot_factory import build_snapshot

from assistant.config import Settings
from assistant.retrieval.store import ChunkStore
from ingest.pipeline import ingest_paths, ingest_snapshot


@pytest.fixture
def store(tmp_path: Path) -> ChunkStore:
    return ChunkStore.open(Settings(store=tmp_path / "store"), embedder="hash:64")


def art(i: str, **kw: object) -> dict[str, object]:
    return {
        "id": i,
        "title": f"标题{i}",
        "published_at": "2026-01-08T10:00:00+08:00",
        "body": "钨价上涨。",
        **kw,
    }


def test_each_bad_jsonl_line_is_rejected_alone(store: ChunkStore, tmp_path: Path) -> None:
    lines = [
        json.dumps(art("ok-1")),
        json.dumps(
            art("sep", body="第一句\u2028第二句\u0085第三句"), ensure_ascii=False
        ),  # raw separators: valid JSON
        '{"id": "nan", "title": "t", "published_at": "2026-01-08T10:00:00+08:00", "body": NaN}',
        '{"id": "deep", "title": "t", "published_at": "2026-01-08T10:00:00+08:00", "body": "b", "x": '
        + "[" * 5000
        + "]" * 5000
        + "}",
        '{"id": "sur", "title": "\\ud800", "published_at": "2026-01-08T10:00:00+08:00", "body": "b"}',
        json.dumps(art("obj", body={"text": "钨价"})),
        json.dumps(art("__revision__")),
        json.dumps(art("__lexicon__")),
        json.dumps(art("ok-2")),
    ]
    f = tmp_path / "n.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rev = store.revision()
    report = ingest_paths([f], store)
    assert sorted(o.item for o in report.added) == ["ok-1", "ok-2", "sep"]
    reasons = {o.item: o.reason for o in report.rejected}
    assert len(reasons) == 6, reasons
    text = " | ".join(reasons.values())
    for expected in ("NaN is not a number", "nested deeper", "surrogate", "body must be text", "reserved"):
        assert expected in text, text
    assert store.revision() != rev and store.lexicon() == {}  # the store's own records were not overwritten
    stored = store.get(list(store.collection.get(where={"citation_id": "sep"})["ids"]))
    assert "第二句" in stored[0].text and "nan" not in json.dumps([s.text for s in stored])


def test_front_matter_bomb_and_wrong_types_are_refused_quickly(store: ChunkStore, tmp_path: Path) -> None:
    d = tmp_path / "docs"
    d.mkdir()
    bomb = (
        "---\na: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n---\n# T\n正文"
    )
    (d / "bomb.md").write_text(bomb, encoding="utf-8")
    (d / "typed.md").write_text("---\ntitle: [1, 2]\n---\n# T\n正文", encoding="utf-8")
    (d / "good.md").write_text("---\ntitle: 好\n---\n# 好\n正文内容。", encoding="utf-8")
    started = time.monotonic()
    report = ingest_paths([d], store)
    assert time.monotonic() - started < 30
    assert [o.item for o in report.added] == ["good"]
    reasons = " | ".join(o.reason for o in report.rejected)
    assert "anchors/aliases" in reasons and "'title' must be text" in reasons


def test_symlinks_and_trees_without_a_manifest_are_not_followed(store: ChunkStore, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash", encoding="utf-8")
    snap = build_snapshot(tmp_path, documents={"real.md": "# 真\n正文。"})
    (snap / "documents" / "passwd.txt").symlink_to(secret)
    report = ingest_snapshot(snap, store)
    assert any("passwd" in o.item and "symlink" in o.reason for o in report.rejected)
    assert not store.collection.get(where={"citation_id": "passwd"})["ids"]
    assert "root:x:0:0" not in json.dumps(store.collection.get(include=["documents"])["documents"])

    tree = tmp_path / "usr"
    (tree / "documents").mkdir(parents=True)
    (tree / "documents" / "a.md").write_text("# a\nb", encoding="utf-8")
    report = ingest_snapshot(tree, store)
    assert [o.reason for o in report.rejected] == ["not a snapshot: no manifest.json"] and not report.added


def test_an_unreadable_path_is_one_rejection_not_an_aborted_batch(store: ChunkStore, tmp_path: Path) -> None:
    """A path the OS refuses to look at (here a name too long; also a folder without permission) raised from
    the folder walk and aborted the batch before any per-file report."""
    good = tmp_path / "good.md"
    good.write_text("# 好\n\n钨价上涨。", encoding="utf-8")
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "inner.md").write_text("# 内\n\n铜价下跌。", encoding="utf-8")
    too_long = tmp_path / ("x" * 5000 + ".md")
    report = ingest_paths([good, too_long, folder], store)
    assert sorted(o.item for o in report.added) == ["good", "inner"]
    (rejected,) = report.rejected
    assert rejected.item == str(too_long) and "cannot read" in rejected.reason


def test_a_deeply_nested_news_line_in_a_snapshot_is_skipped_not_a_crash(tmp_path: Path) -> None:
    """The snapshot reader parsed news lines with plain json.loads: a nested one raised RecursionError from
    every `ask` on the snapshot."""
    import shutil

    from assistant.config import bundled_sample_path
    from assistant.market.snapshot import SnapshotSource

    snap = tmp_path / "snap"
    shutil.copytree(bundled_sample_path(), snap)
    with (snap / "news" / "news.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"id": "deep", "title": "t", "published_at": "2026-01-08T10:00:00+08:00", "x": ')
        fh.write("[" * 5000 + "]" * 5000 + "}\n")
    source = SnapshotSource(snap)
    assert any("nested too deeply" in p for p in source.problems), source.problems
    assert any(a.id == "sample-20260109-tungsten-zh" for a in source.articles())  # the rest still served
