"""Retrieval over news and documents: encoders (the embedding models) and embedders (the same as LangChain
Embeddings), the embedding cache, the Chroma store,
BM25, hybrid search and `retriever.HybridRetriever` (a LangChain BaseRetriever). Above the market layer, below
ingest and answering."""

# The public modules; import from them (`from assistant.retrieval.x import y`).
__all__ = [
    "embedders",
    "embedding_cache",
    "encoders",
    "entities",
    "filters",
    "hybrid",
    "lexical",
    "retriever",
    "store",
]
