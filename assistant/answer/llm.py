"""Build the chat model the LLM answerer talks to: any OpenAI-compatible endpoint, chosen by settings.

One constructor on purpose: OpenAI, DeepSeek, Qwen/DashScope (compatible mode), vLLM, Ollama, LM Studio and a
llama.cpp server all speak the Chat Completions API, so `ChatOpenAI(model, base_url, api_key)` covers them.
We do not parse a provider prefix out of `llm_model` (init_chat_model style) because Ollama model names
contain colons themselves (`qwen2.5:7b-instruct`).

Construction makes no network call; the first request happens when the agent runs.

Retries: the OpenAI client's own retries are switched off (`max_retries=0`) because it also retries a request
that timed out, and a single-slot local server (llama.cpp) keeps generating the abandoned answer while the
retry queues behind it: one question once cost three full generations. Instead the HTTP transport retries
only connections that never reached the server (`httpx.HTTPTransport(retries=...)`), and a timeout is final.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import BaseChatModel

from assistant.answer.schema import Answer
from assistant.errors import InputError

if TYPE_CHECKING:
    from assistant.config import Settings

LOCAL_API_KEY = "not-needed"
"""Sent when a base URL is configured without a key: local servers (Ollama, vLLM, llama.cpp) ignore it, but the
OpenAI client refuses to start without one."""


def make_chat_model(settings: Settings) -> BaseChatModel:
    """A deterministic (temperature 0) Chat Completions client for `settings.llm_model` at `settings.llm_base_url`.

    Raises `InputError` when no model is configured, or when neither a key nor a base URL is given (the
    official endpoint would reject the first request anyway; better to say so before answering).
    """
    from langchain_openai import ChatOpenAI  # imported lazily: the offline path never needs it
    from pydantic import SecretStr

    model = (settings.llm_model or "").strip()
    if not model:
        raise InputError(
            "No LLM configured: set MARKET_ASSISTANT_LLM_MODEL (and LLM_BASE_URL / LLM_API_KEY)."
        )
    base_url = (settings.llm_base_url or "").strip() or None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key is not None else None
    if not key:
        if base_url is None:
            raise InputError("MARKET_ASSISTANT_LLM_API_KEY is required when no LLM base URL is configured.")
        key = LOCAL_API_KEY
    import httpx

    timeout = httpx.Timeout(settings.llm_timeout_s, connect=min(10.0, settings.llm_timeout_s))
    return ChatOpenAI(
        model=model,
        base_url=base_url,
        api_key=SecretStr(key),
        temperature=0,
        timeout=settings.llm_timeout_s,
        max_retries=0,
        http_client=httpx.Client(
            transport=httpx.HTTPTransport(retries=settings.llm_max_retries), timeout=timeout
        ),
        http_async_client=httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(retries=settings.llm_max_retries), timeout=timeout
        ),
        **dict(
            settings.llm_model_kwargs
        ),  # known ones (top_p, seed, ...) become fields, others go in the body
        # Compatible servers implement Chat Completions, not the Responses API that some model names
        # (o-series, gpt-5 ...) would otherwise be routed to.
        use_responses_api=False,
    )


# ------------------------------------------------------------------------------------------ shared by both modes

_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)


def load_prompt(name: str) -> str:
    from prompts import load

    return load(f"{name}.md")


def failure_code(exc: BaseException) -> str:
    """The fallback reason for an exception raised by the model call (a timeout is named: never retried)."""
    names = {type(e).__name__ for e in (exc, exc.__cause__, exc.__context__) if e is not None}
    if any("Timeout" in n for n in names):
        return "timeout"
    if "GraphRecursionError" in names:
        return "tool_loop"
    return "model_error"


def with_answerer(answer: Answer, answerer: str, reason: str | None = None) -> Answer:
    """The same answer, saying who wrote it (and why the LLM's text was not published, if it was not)."""
    return answer.model_copy(update={"answerer": answerer, "fallback_reason": reason})


def model_text(message: Any) -> str:
    """A model reply's text (a message or a plain string), without reasoning blocks."""
    if not isinstance(message, str):
        message = message.content if isinstance(message.content, str) else getattr(message, "text", "")
    return _THINK.sub("", str(message)).strip()
