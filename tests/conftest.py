"""Keep every test run hermetic: the user's store, caches, Chroma server and LLM settings are never used.

Set at import time, before any Settings object exists, so subprocesses of the CLI inherit it too."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

_ROOT = tempfile.mkdtemp(prefix="market-assistant-tests-")
atexit.register(shutil.rmtree, _ROOT, True)

os.environ["MARKET_ASSISTANT_STORE"] = os.path.join(_ROOT, "store")
os.environ["MARKET_ASSISTANT_EVAL_CACHE"] = os.path.join(_ROOT, "eval-cache")
for _name in [n for n in os.environ if n.startswith(("MARKET_ASSISTANT_LLM", "MARKET_ASSISTANT_CHROMA",
                                                      "MARKET_ASSISTANT_SNAPSHOT", "MARKET_ASSISTANT_LIVE",
                                                      "MARKET_ASSISTANT_EMBEDDER"))]:
    del os.environ[_name]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
