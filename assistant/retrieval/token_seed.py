"""The BM25 tokens of the bundled sample's chunks, shipped in the package like the embedding seed: sha256 of a
chunk's exact text -> its `tokenize` tokens (assistant/data/tokens/bm25-tokens.json.gz, built by
`python -m ingest.seed`). A fresh store indexes the sample from it instead of loading jieba's whole dictionary
(about a second) and segmenting every chunk.

The file records the tokenizer it was made with (`tokenizer_id`: jieba's version and a hash of our rules); under
any other id it is not used, so a changed tokenizer makes the seed useless, never wrong. A corrupt file is ignored
with a warning. Data only (gzip JSON): nothing read from it can run code.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from assistant.retrieval.tokens import tokenizer_id

log = logging.getLogger(__name__)

FORMAT = 1
FILE_NAME = "bm25-tokens.json.gz"


def seed_file() -> Path:
    from importlib import resources

    return Path(str(resources.files("assistant") / "data" / "tokens" / FILE_NAME))


def text_key(text: str) -> str:
    """The seed's key of a chunk text (hex sha256 of its UTF-8, as the embedding cache keys vectors)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def load_tokens(path: Path, tokenizer: str) -> dict[str, list[str]]:
    """The seeded tokens by text key; {} when absent, made by another tokenizer, or corrupt (with a warning)."""
    if not path.is_file():
        return {}
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            data = json.load(fh)
        if data.get("format") != FORMAT or data.get("tokenizer") != tokenizer:
            return {}
        tokens = data["tokens"]
        if not isinstance(tokens, dict) or not all(
            isinstance(v, list) and all(isinstance(t, str) for t in v) for v in tokens.values()
        ):
            raise ValueError("tokens must map text keys to lists of strings")
        return tokens
    except (OSError, EOFError, ValueError, KeyError, AttributeError) as err:
        log.warning("ignoring corrupt token seed %s (%s)", path, err)
        return {}


def save_tokens(path: Path, tokens: Mapping[str, list[str]], tokenizer: str) -> None:
    """Write atomically (a temporary file in the same folder, then os.replace), keys sorted: same input, same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(
        {"format": FORMAT, "tokenizer": tokenizer, "tokens": dict(sorted(tokens.items()))},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(gzip.compress(body, compresslevel=9, mtime=0))
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would make a shipped seed unreadable to other users
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@functools.cache
def shipped_tokens() -> dict[str, list[str]]:
    """The package's seed for the current tokenizer, read once per process (only when an index build misses)."""
    return load_tokens(seed_file(), tokenizer_id())
