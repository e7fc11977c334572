"""Ingestion of news and documents into the store: loaders, Chinese-aware chunking, symbol tagging, the
idempotent pipeline and the package seeds (`seed`)."""

# The public modules; import from them (`from ingest.x import y`).
__all__ = ["chunking", "cli_support", "items", "loaders", "pipeline", "seed", "symbols"]
