"""A cache entry that is a folder is published whole: a failed write leaves nothing, a second writer of the same
entry leaves the first one in place."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.private_cache import publish_folder


def test_a_failed_write_leaves_nothing_and_the_first_published_entry_stays(tmp_path: Path) -> None:
    target = tmp_path / "entry"

    def broken(folder: Path) -> None:
        (folder / "half.json").write_text("{", encoding="utf-8")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        publish_folder(target, broken)
    assert list(tmp_path.iterdir()) == []
    publish_folder(target, lambda folder: (folder / "a.json").write_text("1", encoding="utf-8"))
    publish_folder(target, lambda folder: (folder / "b.json").write_text("2", encoding="utf-8"))
    assert [p.name for p in target.iterdir()] == ["a.json"] and list(tmp_path.iterdir()) == [target]
