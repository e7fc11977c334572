"""The market layer, the bottom of the stack: sources of AKShare-shaped frames (a recorded snapshot or live
AKShare) parsed by one path (`frames`), `MarketData` over them, the ETF registry and resolution of what the user
typed (`resolve`). Nothing here imports from the layers above."""

# The public modules; import from them (`from assistant.market.x import y`).
__all__ = [
    "akshare_source",
    "data",
    "factory",
    "frame_files",
    "frames",
    "manifest",
    "model",
    "record",
    "registry",
    "resolve",
    "snapshot",
    "writer",
]
