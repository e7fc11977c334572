"""jieba's dictionary cache is ours: by default jieba loads a marshal file from the predictable /tmp/jieba.cache
(anyone on the machine can plant one; marshal is not safe against crafted data). Tokenising must never read it:
the cache lives in the store's cache folder, or in a folder only this process knows."""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
from assistant.retrieval import lexical
if sys.argv[1] != "-":
    lexical.use_dictionary_cache(sys.argv[1])
tokens = lexical.tokenize("中华人民共和国钨价上涨")
import jieba
print(json.dumps({"tokens": tokens, "planted": "植入词" in jieba.dt.FREQ, "size": len(jieba.dt.FREQ),
                  "tmp_dir": jieba.dt.tmp_dir}))
"""


def _run(tmp: Path, cache: str) -> dict:
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, cache], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_planted_tmp_cache_is_never_read(tmp_path: Path) -> None:
    planted = {"植入词": 10**9, "中": 1}
    for name in ("jieba.cache", "jieba-0_42_1.cache"):
        (tmp_path / name).write_bytes(marshal.dumps((planted, 10**9 + 1)))
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    for cache in ("-", str(tmp_path / "store" / "cache" / "lexical")):
        got = _run(tmp_path, cache)
        assert not got["planted"] and got["size"] > 100_000, got  # jieba's real dictionary
        assert "钨价" in got["tokens"] or "上涨" in got["tokens"], got["tokens"]
        assert Path(got["tmp_dir"]) != tmp_path, got["tmp_dir"]  # never the shared temp folder itself
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir() if p.name in before} == before
    assert any((tmp_path / "store" / "cache" / "lexical").glob("jieba-*.cache"))  # ours, in the store
    assert not list(tmp_path.glob("market-assistant-jieba-*")), "the private folder is removed at exit"
