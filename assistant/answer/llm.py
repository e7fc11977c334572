"""Build the chat model the LLM answerer talks to: any OpenAI-compatible endpoint, chosen by settings.

One constructor on purpose: OpenAI, DeepSeek, Qwen/DashScope (compatible mode), vLLM, Ollama, LM Studio and a
llama.cpp server all speak the Chat Completions API, so `ChatOpenAI(model, base_url, api_key)` covers them.
We do not parse a provider prefix out of `llm_model` (init_chat_model style) because Ollama model names
contain colons themselves (`qwen2.5:7b-instruct`).

Construction makes no network call; the first request happens when the agent runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from langchain_core.language_models import BaseChatModel

from assistant.errors import InputError

if TYPE_CHECKING:
    from assistant.config import Settings

LOCAL_API_KEY = "not-needed"
"""Sent when a base URL is configured without a key: local servers (Ollama, vLLM, llama.cpp) ignore it, but the
OpenAI client refuses to start without one."""

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_RETRIES = 2


def make_chat_model(settings: Settings) -> BaseChatModel:
    """A deterministic (temperature 0) Chat Completions client for `settings.llm_model` at `settings.llm_base_url`.

    Raises `InputError` when no model is configured, or when neither a key nor a base URL is given (the
    official endpoint would reject the first request anyway; better to say so before answering).
    """
    from langchain_openai import ChatOpenAI  # imported lazily: the offline path never needs it

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
    return ChatOpenAI(
        model=model,
        base_url=base_url,
        api_key=key,
        temperature=0,
        timeout=float(getattr(settings, "llm_timeout_s", DEFAULT_TIMEOUT_S)),
        max_retries=int(getattr(settings, "llm_max_retries", DEFAULT_MAX_RETRIES)),
        # Compatible servers implement Chat Completions, not the Responses API that some model names
        # (o-series, gpt-5 ...) would otherwise be routed to.
        use_responses_api=False,
    )
