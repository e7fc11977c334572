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
os.environ["MARKET_ASSISTANT_USER_CACHE"] = os.path.join(_ROOT, "user-cache")
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


# ------------------------------------------------------------------------------------------ shared fixtures
# Imported inside the fixtures: the environment above must be set before any assistant module reads settings.


@pytest.fixture(scope="module")
def toolbox() -> Any:
    """The tools over the bundled sample; news from tests/sample_news.KeywordSearcher (with one injection)."""
    from assistant.answer.tools import Toolbox
    from assistant.config import bundled_sample_path
    from assistant.market.data import MarketData
    from assistant.market.resolve import Lexicon
    from assistant.market.snapshot import SnapshotSource
    from tests.sample_news import KeywordSearcher

    md = MarketData(SnapshotSource(bundled_sample_path()))
    return Toolbox(md, Lexicon.from_market(md), searcher=KeywordSearcher(md))


@pytest.fixture(scope="module")
def offline(toolbox: Any) -> Any:
    """The offline answerer over `toolbox`."""
    from assistant.answer.offline import OfflineAnswerer

    return OfflineAnswerer(toolbox)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The engine over the bundled sample with a fresh store of its own, opened (a module may override it)."""
    from assistant.config import Settings
    from assistant.engine import Engine

    engine = Engine(Settings(store=tmp_path_factory.mktemp("store")), progress=False)
    engine.warm()
    return engine


@pytest.fixture(scope="module")
def env() -> Any:
    """What question understanding needs from the bundled sample: (lexicon, trade date, trading days, universe)."""
    from assistant.config import Settings
    from assistant.market.factory import open_market
    from assistant.market.resolve import Lexicon

    md = open_market(Settings())
    return Lexicon.from_market(md), md.info.trade_date, md.trading_days(), md.universe()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The AKShare functions replaced by tests/akshare_fakes.FakeAkshare (the network edge only)."""
    from akshare_fakes import FakeAkshare

    f = FakeAkshare()
    f.install(monkeypatch)
    return f
