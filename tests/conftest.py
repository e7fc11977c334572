"""Keep every test run hermetic: the user's store, caches, Chroma server and LLM settings are never used.

Set at import time, before any Settings object exists, so subprocesses of the CLI inherit it too."""

from __future__ import annotations

import atexit
import inspect
import os
import shutil
import tempfile
from typing import Any

import pytest

_ROOT = tempfile.mkdtemp(prefix="market-assistant-tests-")
atexit.register(shutil.rmtree, _ROOT, True)

os.environ["MARKET_ASSISTANT_STORE"] = os.path.join(_ROOT, "store")
os.environ["MARKET_ASSISTANT_EVAL_CACHE"] = os.path.join(_ROOT, "eval-cache")
for _name in [
    n
    for n in os.environ
    if n.startswith(
        (
            "MARKET_ASSISTANT_LLM",
            "MARKET_ASSISTANT_CHROMA",
            "MARKET_ASSISTANT_SNAPSHOT",
            "MARKET_ASSISTANT_LIVE",
            "MARKET_ASSISTANT_EMBEDDER",
        )
    )
]:
    del os.environ[_name]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: Any, name: str, obj: object) -> None:
    """LangChain's standard suites (langchain-tests) define async tests without a marker, for asyncio_mode=auto.
    Mark just those for pytest-asyncio while they are collected; asyncio_mode stays strict for everything else."""
    if inspect.iscoroutinefunction(obj) and getattr(obj, "__module__", "").startswith("langchain_tests."):
        pytest.mark.asyncio(obj)
