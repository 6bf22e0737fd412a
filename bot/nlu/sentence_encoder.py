"""Sentence embeddings from all-MiniLM-L6-v2, computed with NumPy.

The model (a 6-layer BERT, 384 dimensions, trained by sentence-transformers on a
billion sentence pairs) places messages that mean the same thing close together,
whatever their words. That is what a bag of words cannot do for a patient who
writes "I'm so tired of being a burden" or "how many hours am I there".

Its forward pass is small enough to run in NumPy (a few milliseconds a message on
one core), so no PyTorch: the weights are read from safetensors, the text is cut
into word pieces by Hugging Face's ``tokenizers``. ``encode`` returns what
sentence-transformers' ``SentenceTransformer.encode(normalize_embeddings=True)``
returns: the mean of the last hidden states over the real tokens, L2-normalised.
bot/build/sentence_model.py fetches the files; tests/test_sentence_encoder.py checks the
result against the model's published similarities.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
from pydantic import BaseModel
from safetensors.numpy import load_file
from scipy.special import erf
from tokenizers import Tokenizer

from bot.errors import ModelError

WEIGHTS = "model.safetensors"
TOKENIZER = "tokenizer.json"
CONFIG = "config.json"
MAX_TOKENS = 128  # the model was trained on 128 word pieces; longer messages are cut
BATCH = 32
_SQRT_HALF = np.float32(0.5 ** 0.5)


class BertConfig(BaseModel):
    hidden_size: int
    num_attention_heads: int
    num_hidden_layers: int
    layer_norm_eps: float


class SentenceEncoder:
    """all-MiniLM-L6-v2: texts in, unit vectors of 384 floats out."""

    def __init__(self, model_dir: Path) -> None:
        self.config, weights, self.tokenizer = load_published(model_dir)
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()  # to the longest message of a batch, not to 128
        self.dimensions = self.config.hidden_size
        self._w = _prepare(weights, self.config.num_hidden_layers)

    def with_weights(self, replaced: Dict[str, np.ndarray]) -> "SentenceEncoder":
        """The same model with some of its published weights replaced (a fine-tuned copy,
        bot/nlu/encoder_tuning.py); the rest, the word embeddings above all, are shared."""
        tuned = copy.copy(self)
        tuned._w = {**self._w, **_prepare(replaced, self.config.num_hidden_layers)}
        return tuned

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text; similar meanings have a large dot product."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        # Similar lengths together, so batches carry little padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), BATCH):
            rows = order[start:start + BATCH]
            out[rows] = self._encode_batch([texts[i] for i in rows])
        return out

    def _encode_batch(self, texts: List[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings])
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        w, cfg = self._w, self.config
        batch, length = ids.shape
        heads, width = cfg.num_attention_heads, cfg.hidden_size // cfg.num_attention_heads
        x = w["word"][ids] + w["position"][:length] + w["token_type"]
        x = self._norm(x, "embeddings.LayerNorm")
        padding = ((1.0 - mask) * -1e9).astype(np.float32)[:, None, None, :]
        scale = np.float32(width ** -0.5)
        for i in range(cfg.num_hidden_layers):
            p = f"encoder.layer.{i}."
            qkv = _dense(x, w[p + "qkv.weight"], w[p + "qkv.bias"]).reshape(batch, length, 3, heads, width)
            q, k, v = (qkv[:, :, j].transpose(0, 2, 1, 3) for j in range(3))
            scores = q @ k.transpose(0, 1, 3, 2) * scale + padding
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, cfg.hidden_size)
            x = self._norm(x + _dense(context, w[p + "attention.output.dense.weight"],
                                      w[p + "attention.output.dense.bias"]), p + "attention.output.LayerNorm")
            h = _dense(x, w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"])
            h = 0.5 * h * (1.0 + erf(h * _SQRT_HALF))  # BERT's exact GELU
            x = self._norm(x + _dense(h, w[p + "output.dense.weight"], w[p + "output.dense.bias"]),
                           p + "output.LayerNorm")
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        normalised = (x - mean) / np.sqrt(var + self.config.layer_norm_eps)
        return normalised * self._w[name + ".weight"] + self._w[name + ".bias"]


def load_published(model_dir: Path) -> Tuple[BertConfig, Dict[str, np.ndarray], Tokenizer]:
    """The model's settings, its weights as published (PyTorch's layout) and its tokenizer."""
    try:
        config = BertConfig.parse_file(model_dir / CONFIG)
        weights = load_file(str(model_dir / WEIGHTS))
        tokenizer = Tokenizer.from_file(str(model_dir / TOKENIZER))
    except (OSError, ValueError, json.JSONDecodeError) as exc:
        raise ModelError(f"sentence model in {model_dir} is missing or broken ({exc}); run 'kapbot build'") from exc
    return config, weights, tokenizer


def _dense(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    flat = x.reshape(-1, x.shape[-1]) @ weight + bias  # 2-D: one BLAS call
    return flat.reshape(x.shape[:-1] + (weight.shape[1],))


def _prepare(weights: Dict[str, np.ndarray], layers: int) -> Dict[str, np.ndarray]:
    """Weights laid out for ``x @ W``: transposed once, query/key/value joined in one matrix.
    Those of ``weights`` only: a fine-tuned copy replaces the layers and keeps the embeddings."""
    w: Dict[str, np.ndarray] = {}
    if "embeddings.word_embeddings.weight" in weights:
        w["word"] = weights["embeddings.word_embeddings.weight"]
        w["position"] = weights["embeddings.position_embeddings.weight"]
        w["token_type"] = weights["embeddings.token_type_embeddings.weight"][0]
    for name, value in weights.items():
        if name.endswith("LayerNorm.weight") or name.endswith("LayerNorm.bias"):
            w[name] = value
    for i in range(layers):
        p = f"encoder.layer.{i}."
        if p + "attention.self.query.weight" not in weights:
            continue
        parts = [p + f"attention.self.{part}" for part in ("query", "key", "value")]
        w[p + "qkv.weight"] = np.ascontiguousarray(np.concatenate([weights[n + ".weight"] for n in parts]).T)
        w[p + "qkv.bias"] = np.concatenate([weights[n + ".bias"] for n in parts])
        for dense in ("attention.output.dense", "intermediate.dense", "output.dense"):
            w[p + dense + ".weight"] = np.ascontiguousarray(weights[p + dense + ".weight"].T)
            w[p + dense + ".bias"] = weights[p + dense + ".bias"]
    return w
