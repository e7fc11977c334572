"""Pure computations over market frames: attribution, flows, premium. No I/O here."""

# The public modules; import from them (`from assistant.analysis.x import y`).
__all__ = ["attribution", "explain", "figures", "flows", "premium"]
