"""all-MiniLM-L6-v2 fine-tuned for one yes/no question (is this message a crisis?), in TensorFlow.

The crisis classifier's logistic regression reads the published sentence embedding, which
was trained to place paraphrases together, not to tell "I've sorted the will, the dog goes to
my sister on Friday" (a plan) from the same words before a move abroad. Fine-tuning the
encoder's six layers on the crisis net's labelled lists lets it learn which words in which
context carry the danger. The word, position and token-type embeddings stay as published,
so the tuned copy shares them with the featurizer's encoder (SentenceEncoder.with_weights)
and only the layers (about 42 MB) are saved with the model.

Training runs here, with Rasa's TensorFlow, at ``kapbot train``; scoring runs in NumPy
(``TunedScorer``), as the featurizer does, so serving needs no TensorFlow graph.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np
import tensorflow as tf
from pydantic import BaseModel
from scipy.special import expit

from bot.nlu.sentence_encoder import BertConfig, SentenceEncoder, load_published

logger = logging.getLogger(__name__)

HEAD_WEIGHT = "crisis_head.weight"
HEAD_BIAS = "crisis_head.bias"
# The head reads the unit-length embedding: a fixed scale lets a small weight vector reach
# confident logits (as in cosine classifiers), so the head learns at the encoder's pace.
HEAD_SCALE = 10.0
LAYER_PARTS = (
    "attention.self.query", "attention.self.key", "attention.self.value",
    "attention.output.dense", "intermediate.dense", "output.dense",
)
NORMS = ("attention.output.LayerNorm", "output.LayerNorm")


class TuningConfig(BaseModel):
    """Measured (tests/redteam/validation, and a new round of writers before it was trained
    on) with these values, but for the learning rate: config.yml sets 5e-5 since stop 49. In
    `kapbot train` each epoch costs about 16 minutes on 2 cores."""

    epochs: float = 2.0
    learning_rate: float = 3e-5  # the encoder's, decaying linearly to 0
    head_learning_rate: float = 1e-3  # the head starts from nothing
    weight_decay: float = 0.01
    batch_size: int = 32
    max_tokens: int = 64  # training only; the 95th percentile of the lists is 42
    dropout: float = 0.1
    random_seed: int = 1


class TunedScorer:
    """P(crisis) from the fine-tuned encoder and its head, in NumPy."""

    def __init__(self, base: SentenceEncoder, tuned: Dict[str, np.ndarray]) -> None:
        self.encoder = base.with_weights({k: v for k, v in tuned.items() if k not in (HEAD_WEIGHT, HEAD_BIAS)})
        self.weight = tuned[HEAD_WEIGHT]
        self.bias = float(tuned[HEAD_BIAS][0])

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        return expit(HEAD_SCALE * (self.encoder.encode(texts) @ self.weight) + self.bias)


class _TrainableMiniLM(tf.Module):
    """The published model as TensorFlow variables; the embeddings are constants."""

    def __init__(self, bert: BertConfig, weights: Dict[str, np.ndarray], config: TuningConfig) -> None:
        super().__init__()
        self.layers, self.heads, self.eps = bert.num_hidden_layers, bert.num_attention_heads, bert.layer_norm_eps
        self.width = bert.hidden_size
        self.dropout = config.dropout
        self.word = tf.constant(weights["embeddings.word_embeddings.weight"])
        self.position = tf.constant(weights["embeddings.position_embeddings.weight"])
        self.token_type = tf.constant(weights["embeddings.token_type_embeddings.weight"][0])
        self.tuned: Dict[str, tf.Variable] = {}
        for name in self.published_names():
            value = weights[name]
            # x @ W in TensorFlow; PyTorch's layout (out, in) is restored in ``published``.
            self.tuned[name] = tf.Variable(value.T if value.ndim == 2 else value, name=name.replace(".", "_"))
        self.head_weight = tf.Variable(tf.zeros([self.width]), name="head_weight")
        self.head_bias = tf.Variable(tf.zeros([1]), name="head_bias")

    def published_names(self) -> List[str]:
        names = ["embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"]
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            names += [p + part + end for part in LAYER_PARTS for end in (".weight", ".bias")]
            names += [p + norm + end for norm in NORMS for end in (".weight", ".bias")]
        return names

    def logits(self, ids: tf.Tensor, mask: tf.Tensor, training: bool) -> tf.Tensor:
        v, drop = self.tuned, (lambda t: tf.nn.dropout(t, self.dropout) if training else t)
        batch, length = tf.shape(ids)[0], tf.shape(ids)[1]
        heads, width = self.heads, self.width // self.heads

        def norm(x: tf.Tensor, name: str) -> tf.Tensor:
            mean, var = tf.nn.moments(x, axes=[-1], keepdims=True)
            return (x - mean) / tf.sqrt(var + self.eps) * v[name + ".weight"] + v[name + ".bias"]

        def dense(x: tf.Tensor, name: str) -> tf.Tensor:
            return tf.einsum("bld,de->ble", x, v[name + ".weight"]) + v[name + ".bias"]

        def split(x: tf.Tensor) -> tf.Tensor:
            return tf.transpose(tf.reshape(x, [batch, length, heads, width]), [0, 2, 1, 3])

        x = norm(tf.gather(self.word, ids) + self.position[:length] + self.token_type, "embeddings.LayerNorm")
        padding = (1.0 - mask)[:, None, None, :] * -1e9
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q, k, val = (split(dense(x, p + "attention.self." + n)) for n in ("query", "key", "value"))
            attention = drop(tf.nn.softmax(tf.matmul(q, k, transpose_b=True) * width ** -0.5 + padding))
            context = tf.reshape(tf.transpose(tf.matmul(attention, val), [0, 2, 1, 3]), [batch, length, self.width])
            x = norm(x + drop(dense(context, p + "attention.output.dense")), p + "attention.output.LayerNorm")
            hidden = tf.nn.gelu(dense(x, p + "intermediate.dense"), approximate=False)
            x = norm(x + drop(dense(hidden, p + "output.dense")), p + "output.LayerNorm")
        pooled = tf.reduce_sum(x * mask[..., None], 1) / tf.reduce_sum(mask, 1, keepdims=True)
        embedding = drop(tf.math.l2_normalize(pooled, -1))
        return HEAD_SCALE * tf.linalg.matvec(embedding, self.head_weight) + self.head_bias[0]

    def published(self) -> Dict[str, np.ndarray]:
        """The tuned layers under their published names and layout, and the head."""
        out = {}
        for name, variable in self.tuned.items():
            value = variable.numpy()
            out[name] = np.ascontiguousarray(value.T if value.ndim == 2 else value)
        out[HEAD_WEIGHT] = self.head_weight.numpy()
        out[HEAD_BIAS] = self.head_bias.numpy()
        return out


def fine_tune(texts: Sequence[str], labels: np.ndarray, model_dir: Path, config: TuningConfig) -> Dict[str, np.ndarray]:
    """The tuned weights (TunedScorer's input) after ``config.epochs`` over the texts, crisis
    and not weighted to count equally."""
    tf.random.set_seed(config.random_seed)
    rng = np.random.default_rng(config.random_seed)
    bert, weights, tokenizer = load_published(model_dir)
    model = _TrainableMiniLM(bert, weights, config)
    tokenizer.enable_truncation(config.max_tokens)
    lengths = np.array([len(e.ids) for e in tokenizer.encode_batch(list(texts))])
    tokenizer.enable_padding()
    # Batches of similar lengths carry little padding; their order is shuffled each epoch.
    order = np.argsort(lengths + rng.random(len(texts)))
    batches = [order[i:i + config.batch_size] for i in range(0, len(order), config.batch_size)]
    steps = int(len(batches) * config.epochs)
    y = labels.astype(np.float32)
    positive_weight = float((1 - y.mean()) / y.mean())
    encoder_opt = tf.keras.optimizers.AdamW(
        tf.keras.optimizers.schedules.PolynomialDecay(config.learning_rate, steps, 0.0),
        weight_decay=config.weight_decay,
    )
    head_opt = tf.keras.optimizers.Adam(config.head_learning_rate)
    encoder_vars, head_vars = list(model.tuned.values()), [model.head_weight, model.head_bias]

    @tf.function(reduce_retracing=True)
    def step(ids: tf.Tensor, mask: tf.Tensor, target: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            weight = target * positive_weight + (1 - target)
            losses = tf.nn.sigmoid_cross_entropy_with_logits(target, model.logits(ids, mask, training=True))
            loss = tf.reduce_sum(weight * losses) / tf.reduce_sum(weight)
        grads = tape.gradient(loss, encoder_vars + head_vars)
        # Pairs by index: AutoGraph's zip takes no ``strict``.
        encoder_opt.apply_gradients([(grads[i], v) for i, v in enumerate(encoder_vars)])
        head_opt.apply_gradients([(grads[len(encoder_vars) + i], v) for i, v in enumerate(head_vars)])
        return loss

    started, done = time.monotonic(), 0
    while done < steps:
        for index in rng.permutation(len(batches))[:steps - done]:
            rows = batches[index]
            encodings = tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in encodings], dtype=np.int32)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
            loss = float(step(ids, mask, y[rows]))
            done += 1
            if done % 200 == 0:
                logger.info("crisis encoder: step %d of %d, loss %.3f, %.0f s", done, steps, loss,
                            time.monotonic() - started)
    return model.published()
