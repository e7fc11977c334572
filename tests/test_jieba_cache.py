"""jieba's dictionary cache is ours: by default jieba loads a marshal file from the predictable /tmp/jieba.cache
(anyone on the machine can plant one; marshal is not safe against crafted data). Tokenising must never read it:
the cache lives in the per-user cache folder while nobody else can write there, else in the store's cache folder,
else in a folder only this process knows."""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.private_cache import private_folder

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
from assistant.retrieval import lexical
store, user = (None if a == "-" else a for a in sys.argv[1:3])
if store or user:
    lexical.use_dictionary_cache(store, user)
tokens = lexical.tokenize("中华人民共和国钨价上涨")
import jieba
freq = jieba.dt.FREQ
print(json.dumps({"tokens": tokens, "planted": "植入词" in freq, "size": len(freq) if isinstance(freq, dict) else None,
                  "on_disk": not isinstance(freq, dict), "tmp_dir": jieba.dt.tmp_dir}))
"""


def _run(tmp: Path, store: str, user: str = "-") -> dict:
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, store, user],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _plant(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    planted = {"植入词": 10**9, "中": 1}
    for name in ("jieba.cache", "jieba-0_42_1.cache"):
        (folder / name).write_bytes(marshal.dumps((planted, 10**9 + 1)))


def _real(got: dict) -> None:
    assert not got["planted"] and got["size"] > 100_000, got  # jieba's real dictionary
    assert "钨价" in got["tokens"] or "上涨" in got["tokens"], got["tokens"]


def test_a_planted_tmp_cache_is_never_read(tmp_path: Path) -> None:
    _plant(tmp_path)
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    store = tmp_path / "store" / "cache" / "lexical"
    for args in (("-",), (str(store),), (str(store), str(tmp_path / "user"))):
        got = _run(tmp_path, *args)
        _real(got)
        assert Path(got["tmp_dir"]) != tmp_path, got["tmp_dir"]  # never the shared temp folder itself
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir() if p.name in before} == before
    assert any(store.glob("jieba-*.cache"))  # without a per-user folder: ours, in the store
    assert any((tmp_path / "user" / "jieba").glob("jieba-*.cache"))  # with one: there, for every store
    assert any((tmp_path / "user" / "jieba").glob("jieba-freq-*.sqlite"))
    assert (tmp_path / "user" / "jieba").stat().st_mode & 0o777 == 0o700
    assert not list(tmp_path.glob("market-assistant-jieba-*")), "the private folder is removed at exit"


def test_a_new_store_reuses_the_per_user_dictionary(tmp_path: Path) -> None:
    user = tmp_path / "user"
    _run(tmp_path, str(tmp_path / "a"), str(user))
    copy = next((user / "jieba").glob("jieba-freq-*.sqlite"))
    written = copy.stat().st_mtime_ns
    got = _run(tmp_path, str(tmp_path / "b"), str(user))
    assert got["on_disk"] and not got["planted"], got  # served from the SQLite copy, not parsed again
    assert "钨价" in got["tokens"] or "上涨" in got["tokens"], got["tokens"]
    assert copy.stat().st_mtime_ns == written and not (tmp_path / "b").exists()


def _unsafe_folders(tmp_path: Path) -> list[tuple[str, Path]]:
    cases = []
    open_user = tmp_path / "open"
    (open_user / "jieba").mkdir(parents=True)
    (open_user / "jieba").chmod(0o777)
    cases.append(("world-writable", open_user))
    shared_parent = tmp_path / "shared"
    shared_parent.mkdir()
    shared_parent.chmod(0o777)
    cases.append(("world-writable parent", shared_parent))
    linked = tmp_path / "linked"
    linked.mkdir()
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    (linked / "jieba").symlink_to(tmp_path / "elsewhere")
    cases.append(("symlink", linked))
    if os.getuid() == 0:  # root can hand a folder to someone else
        foreign = tmp_path / "foreign"
        (foreign / "jieba").mkdir(parents=True, mode=0o700)
        os.chown(foreign / "jieba", 4242, 4242)
        cases.append(("another user's", foreign))
    return cases


def test_an_unsafe_per_user_folder_is_not_used(tmp_path: Path) -> None:
    for what, user in _unsafe_folders(tmp_path):
        target = (user / "jieba").resolve()
        assert private_folder(user / "jieba") is None, what
        _plant(target)
        got = _run(tmp_path, str(tmp_path / what / "store"), str(user))
        _real(got)
        assert Path(got["tmp_dir"]) == tmp_path / what / "store", what  # the store folder instead
        assert not list(target.glob("jieba-freq-*")), what


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX owners")
def test_private_folder_creates_a_0700_folder(tmp_path: Path) -> None:
    made = private_folder(tmp_path / "cache" / "jieba")
    assert made == tmp_path / "cache" / "jieba" and made.stat().st_mode & 0o777 == 0o700
