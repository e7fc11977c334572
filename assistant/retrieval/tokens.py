"""Tokens for BM25: jieba in search mode for Chinese (a long word also yields its parts), English lower-cased,
punctuation and stopwords dropped. jieba's dictionary is loaded lazily, and answered from an indexed on-disk copy
until something needs bulk tokenisation, so a cold `ask` that tokenises one short query stays fast."""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import re
import shutil
import threading
from pathlib import Path
from typing import Any

from assistant.private_cache import package_version, user_folder

log = logging.getLogger(__name__)
_TOKEN_OK = re.compile(r"[0-9a-z\u4e00-\u9fff]")
STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 或 等 也 都 就 而 对 从 把 被 将 为 于 以 之 其 这 那 有 个 中 上 下 吗 呢 吧 啊 什么 怎么 如何 多少 哪些 "
    "a an the of to in on for and or is are was were be by with at as from that this it its what which how does do "
    "did about".split()
)
_jieba_lock = threading.Lock()
_jieba_ready = False


def _jieba() -> Any:
    global _jieba_ready
    import jieba

    if _jieba_ready:
        return jieba
    with _jieba_lock:
        if not _jieba_ready:
            jieba.setLogLevel(logging.WARNING)
            _private_cache(jieba)
            if not _install_lazy_freq(jieba):
                jieba.initialize()
                _write_freq_copy(jieba)
            _jieba_ready = True
    return jieba


def _jieba_full() -> Any:
    """jieba with its whole dictionary in memory: bulk tokenisation (index builds) does millions of lookups."""
    jieba = _jieba()
    if isinstance(jieba.dt.FREQ, _DiskFreq):
        with _jieba_lock:
            if isinstance(jieba.dt.FREQ, _DiskFreq):
                _private_cache(jieba)
                jieba.dt.initialized = False
                jieba.dt.initialize()
    return jieba


def _private_cache(jieba: Any) -> None:
    """jieba keeps its parsed dictionary as a marshal file, by default at the predictable /tmp/jieba.cache, which
    anyone on the machine can plant (marshal is not safe against crafted data) and which it loads without a check.
    Ours lives in the per-user cache folder when only this user can write it (`private_folder`), else in the
    store's cache folder (a store folder must be trusted anyway: README, security), else in a folder only this
    process knows (mkdtemp, mode 0700): a planted /tmp/jieba.cache is never read."""
    global _jieba_tmp
    folder = _dictionary_folder()
    if folder is not None and folder != _user_folder():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            folder = None
    if folder is None:
        if _jieba_tmp is None:
            import tempfile

            _jieba_tmp = Path(tempfile.mkdtemp(prefix="market-assistant-jieba-"))
            atexit.register(shutil.rmtree, _jieba_tmp, True)  # never reused: do not leave it behind
        folder = _jieba_tmp
    jieba.dt.tmp_dir = str(folder)
    jieba.dt.cache_file = f"jieba-{_JIEBA_TAG}.cache"


_jieba_tmp: Path | None = None


def _write_freq_copy(jieba: Any) -> None:
    file = _freq_path()
    if file is not None and not file.exists() and jieba.dt.dictionary == jieba.DEFAULT_DICT:
        _DiskFreq.write(file, jieba.dt.FREQ, jieba.dt.total)


# --- jieba's dictionary on disk ----------------------------------------------------------------------------------
# Loading jieba's prefix dictionary (~580k entries, unmarshalled from its cache) costs 0.6-1 s, most of a cold `ask`
# that tokenises one short query. Segmenting a text only ever looks up substrings of that text, so the same lookups
# answered from an indexed SQLite copy of the dictionary give exactly the same tokens. The copy lives in the store's
# cache folder, is written once by the first process that loads the whole dictionary, and is used until something
# needs bulk tokenisation (then the real dictionary is loaded: `_jieba_full`).

_store_folder: Path | None = None
_user_root: Path | None = None
_UNSEEN = object()


def use_dictionary_cache(folder: Path | str | None, user_cache: Path | str | None = None) -> None:
    """Where jieba's caches live: "jieba" in `user_cache` (settings.user_cache_dir, shared by every store of this
    user) while `private_folder` accepts it, else `folder` (the store's cache folder); None and None: neither.

    The dictionary is the same for every store, so with the per-user folder a new store reuses what an earlier one
    wrote instead of parsing jieba's dictionary (~1 s) and writing the SQLite copy (~0.7 s) again."""
    global _store_folder, _user_root
    _store_folder = None if folder is None else Path(folder)
    _user_root = None if user_cache is None else Path(user_cache)


def dictionary_cache_in_use() -> bool:
    """Whether `use_dictionary_cache` has named a folder for jieba's caches."""
    return _store_folder is not None or _user_root is not None


def _user_folder() -> Path | None:
    return None if _user_root is None else user_folder(_user_root, "jieba")


def _dictionary_folder() -> Path | None:
    return _user_folder() or _store_folder


def _freq_path() -> Path | None:
    """The SQLite copy of jieba's dictionary, or None when there is no folder to keep it in."""
    folder = _dictionary_folder()
    return None if folder is None else folder / f"jieba-freq-{_JIEBA_TAG}.sqlite"


def _install_lazy_freq(jieba: Any) -> bool:
    tokenizer = jieba.dt
    file = _freq_path()
    if (
        file is None
        or tokenizer.initialized
        or not file.is_file()
        or tokenizer.dictionary != jieba.DEFAULT_DICT
    ):
        return False
    try:
        freq = _DiskFreq(file)
    except Exception as err:  # noqa: BLE001 - a broken copy only means the normal load
        log.warning("ignoring jieba dictionary cache %s: %s", file, err)
        return False
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = freq, freq.total, True
    return True


class _DiskFreq:
    """The read-only part of jieba's FREQ dict (`in`, `[]`, `get`) over SQLite, memoising what it has looked up."""

    def __init__(self, file: Path) -> None:
        import sqlite3

        self._db = sqlite3.connect(f"file:{file}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        row = self._db.execute("SELECT value FROM meta WHERE key = 'total'").fetchone()
        if row is None:
            raise ValueError("no total")
        self.total = int(row[0])
        self._seen: dict[str, int | None] = {}  # a bounded memo of lookups
        self._added: dict[str, int] = {}  # jieba.add_word() on top of the file

    MEMO_LIMIT = 200_000

    def _lookup(self, word: str) -> int | None:
        if self._added and word in self._added:
            return self._added[word]
        value = self._seen.get(word, _UNSEEN)
        if value is not _UNSEEN:
            return value  # type: ignore[return-value]
        with self._lock:
            row = self._db.execute("SELECT freq FROM freq WHERE word = ?", (word,)).fetchone()
        value = None if row is None else int(row[0])
        if len(self._seen) >= self.MEMO_LIMIT:
            self._seen.clear()
        self._seen[word] = value
        return value

    def __setitem__(self, word: str, freq: int) -> None:
        self._added[word] = freq

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._lookup(word) is not None

    def __getitem__(self, word: str) -> int:
        value = self._lookup(word)
        if value is None:
            raise KeyError(word)
        return value

    def get(self, word: str, default: Any = None) -> Any:
        value = self._lookup(word)
        return default if value is None else value

    @staticmethod
    def write(file: Path, freq: dict[str, int], total: int) -> None:
        import sqlite3

        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            tmp = file.with_name(f"{file.name}.{os.getpid()}.tmp")
            tmp.unlink(missing_ok=True)
            db = sqlite3.connect(tmp)
            try:
                db.execute("CREATE TABLE freq (word TEXT PRIMARY KEY, freq INTEGER NOT NULL) WITHOUT ROWID")
                db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                db.executemany("INSERT INTO freq VALUES (?, ?)", freq.items())
                db.execute("INSERT INTO meta VALUES ('total', ?)", (str(int(total)),))
                db.commit()
            finally:
                db.close()
            os.replace(tmp, file)
        except (OSError, Exception) as err:  # noqa: BLE001 - the copy is an optimisation only
            log.warning("could not write jieba dictionary cache %s: %s", file, err)


def _jieba_tag() -> str:
    return (package_version("jieba") or "unknown").replace(".", "_")


_JIEBA_TAG = _jieba_tag()


def tokenizer_id() -> str:
    """What the tokens of a text depend on: jieba's version (its default dictionary ships with it) and our rules
    (`tokenize`, the stopwords, the token filter). Seeded tokens (token_seed.py) are used only under the same id.
    jieba's dictionary is never customised here (no add_word / user dictionaries)."""
    import inspect

    try:
        rules = "\n".join((inspect.getsource(tokenize), _TOKEN_OK.pattern, " ".join(sorted(STOPWORDS))))
    except (OSError, TypeError):  # no source to hash: nothing seeded can be trusted to match
        return ""
    return f"jieba-{_JIEBA_TAG}-{hashlib.sha256(rules.encode('utf-8')).hexdigest()[:16]}"


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens (a long word also yields its parts: 有色金属 -> 有色, 金属, 有色金属), lower-cased,
    punctuation and stopwords dropped; 6-digit codes and English words survive as single tokens."""
    tokens = []
    for tok in _jieba().cut_for_search(text.lower()):
        tok = tok.strip()
        if tok and tok not in STOPWORDS and _TOKEN_OK.search(tok):
            tokens.append(tok)
    return tokens
