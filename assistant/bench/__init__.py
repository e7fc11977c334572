"""Benchmarks run by `market-assistant bench ...`; each module has main(argv) -> exit code."""
