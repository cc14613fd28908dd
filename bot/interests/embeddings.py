"""Nearby wording from a small static embedding model whose weights ship in its wheel.

The model is WordLlama's `l2_supercat` (256 dimensions, 32k tokens, 16 MB of float16 in the
`wordllama` wheel): a topic's vector is the mean of its tokens' vectors, so `javascript` sits
near `d3js` and `web browser`, `git repository` near `gitlab`, `probabilistic programming`
near `bayesian`. Only the package's files are used, read straight from the installed wheel:
its own loader looks for the tokenizer in the wrong folder and then asks the network
(Hugging Face), and importing its inference module reconfigures the root logger. The pooling
itself is three lines of numpy. Without the package (or with its files missing) nearby
wording is simply not offered; nothing is ever downloaded.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Model", "NearbyIndex", "build_index", "load_model"]

log = logging.getLogger(__name__)

_WEIGHTS = ("weights", "l2_supercat_256.safetensors")
_TOKENIZER = ("tokenizers", "l2_supercat_tokenizer_config.json")
_BATCH = 512


@dataclass(frozen=True)
class Model:
    """Token vectors as shipped (float16, 16 MB; pooled in float32) and their tokenizer."""

    vectors: np.ndarray  # (tokens, dims) float16
    tokenizer: object  # tokenizers.Tokenizer

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors, one row per text: the mean of its tokens' vectors."""
        out = np.zeros((len(texts), self.vectors.shape[1]), dtype=np.float32)
        for start in range(0, len(texts), _BATCH):
            chunk = list(texts[start : start + _BATCH])
            encoded = self.tokenizer.encode_batch(chunk, add_special_tokens=False)  # type: ignore[attr-defined]
            for i, enc in enumerate(encoded):
                ids = [t for t in enc.ids if 0 <= t < len(self.vectors)]
                if ids:
                    out[start + i] = self.vectors[ids].astype(np.float32).mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out


@functools.cache
def load_model() -> Model | None:
    """The model from the installed `wordllama` wheel, or None (logged once) without it."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or spec.origin is None:
        log.info("nearby wording off: the wordllama package is not installed")
        return None
    root = Path(spec.origin).parent
    weights, tokenizer_file = root.joinpath(*_WEIGHTS), root.joinpath(*_TOKENIZER)
    if not weights.is_file() or not tokenizer_file.is_file():
        log.warning("nearby wording off: wordllama's weights or tokenizer file is missing")
        return None
    try:
        from safetensors import safe_open
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tokenizer_file))
        tokenizer.no_padding()
        tokenizer.no_truncation()
        with safe_open(str(weights), framework="np", device="cpu") as f:
            vectors = np.ascontiguousarray(f.get_tensor("embedding.weight"))
    except Exception:  # a broken install must not stop the bot: the rules still answer
        log.warning("nearby wording off: the wordllama files could not be read", exc_info=True)
        return None
    return Model(vectors, tokenizer)


class NearbyIndex:
    """A community's topics as unit vectors, for "which known topics are worded nearby"."""

    def __init__(self, model: Model, topics: Sequence[str]) -> None:
        self.model = model
        self.topics = list(topics)
        self.matrix = model.embed(self.topics)  # float32: 10k topics, 10 MB, ~3 ms a query

    def nearest(self, text: str, limit: int, floor: float) -> list[tuple[str, float]]:
        """Up to `limit` known topics with cosine similarity >= `floor`, most similar first
        (the text itself excluded)."""
        if not self.topics or limit <= 0:
            return []
        sims = self.matrix @ self.model.embed([text])[0]
        count = min(limit + 1, len(sims))
        best = np.argpartition(-sims, count - 1)[:count]
        ranked = sorted(best, key=lambda i: (-sims[i], self.topics[i]))
        return [
            (self.topics[i], float(sims[i]))
            for i in ranked
            if sims[i] >= floor and self.topics[i] != text
        ][:limit]


def build_index(topics: Sequence[str]) -> NearbyIndex | None:
    """An index of `topics`, or None when the model is not available."""
    model = load_model()
    return NearbyIndex(model, topics) if model is not None else None
