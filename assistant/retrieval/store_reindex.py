"""Re-embedding a chunk store in place: copy every complete chunk, re-encoded, into a staging collection, then swap
it in under the store's name -- and finish a swap a crash interrupted.

Apart from `store.py` (the live store's reads, writes and visibility rules) because this is a rare, whole-store
operation on raw Chroma collections; `store.reindex` wraps it and reopens the result as a `ChunkStore`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from assistant.retrieval.encoders import Embedder


def staging_name(name: str) -> str:
    """The collection a re-index of `name` builds before the swap."""
    return f"{name}-reindex"


def recover_interrupted_reindex(client: Any, name: str) -> None:
    """A finished staging collection whose swap was cut short (the old one already dropped) takes the name."""
    names = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    staging = staging_name(name)
    if name not in names and staging in names:
        col = client.get_collection(staging, embedding_function=None)
        if (col.metadata or {}).get("reindex_complete"):
            meta = {k: v for k, v in col.metadata.items() if k != "reindex_complete"}
            col.modify(name=name, metadata=meta)


def reembed_and_swap(
    client: Any,
    new_embedder: Embedder,
    name: str,
    progress: Callable[[int, int], None] | None = None,
) -> bool:
    """Re-embed the complete chunks of collection `name` with `new_embedder` and swap the copy in.

    The chunk texts are in the store already, so no source files are needed. Until the swap the old collection
    keeps serving; a crash after the old one is dropped is finished by `recover_interrupted_reindex`.
    False when there is no collection to re-index.
    """
    staging = staging_name(name)
    with contextlib.suppress(Exception):  # an absent staging collection is the normal case
        client.delete_collection(staging)
    try:
        old = client.get_collection(name, embedding_function=None)
    except Exception:  # noqa: BLE001 - nothing to re-index
        return False
    meta = {"embedder": new_embedder.name, "embedder_dim": int(new_embedder.dim), "schema": 1}
    target = client.create_collection(
        staging,
        embedding_function=None,
        metadata={**meta, "reindex_complete": False},
        configuration={"hnsw": {"space": "cosine"}},
    )
    total, done, offset = old.count(), 0, 0
    while True:
        got = old.get(where={"complete": True}, include=["metadatas", "documents"], limit=512, offset=offset)
        if got["ids"]:
            vectors = new_embedder.embed_documents(got["documents"])
            target.add(
                ids=got["ids"], documents=got["documents"], metadatas=got["metadatas"], embeddings=vectors
            )
            done += len(got["ids"])
            if progress:
                progress(done, total)
        if len(got["ids"]) < 512:
            break
        offset += 512
    target.modify(metadata={**meta, "reindex_complete": True})
    client.delete_collection(name)
    target.modify(name=name, metadata=meta)
    return True


__all__ = ["recover_interrupted_reindex", "reembed_and_swap", "staging_name"]
