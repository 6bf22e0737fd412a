"""A message as one row of numbers for the linear models of the pipeline (the FAQ selector
and the crisis classifier): TF-IDF word n-grams, TF-IDF character n-grams and the sentence
embedding (bot/nlu/sentence_featurizer.py), side by side.

Each model fits its own vocabulary on its own examples, so each keeps its own instance
(saved with the model by joblib).
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import scipy.sparse
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.nlu.sentence_featurizer import dense_sentence


class TextVectors:
    def __init__(self, word_ngrams: Tuple[int, int], char_ngrams: Tuple[int, int], embedding_weight: float) -> None:
        self.words = TfidfVectorizer(ngram_range=tuple(word_ngrams), sublinear_tf=True)
        # Within word boundaries: robust to typos and word endings.
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(char_ngrams), sublinear_tf=True)
        # Against the two TF-IDF blocks, each of unit length; 0 leaves the embedding out.
        self.embedding_weight = embedding_weight

    def fit(self, messages: Sequence[Message]) -> scipy.sparse.csr_matrix:
        """Learn the vocabularies; the messages' rows."""
        texts = [message_text(m) for m in messages]
        self.words.fit(texts)
        self.chars.fit(texts)
        return scipy.sparse.vstack([self.row(m) for m in messages]).tocsr()

    def row(self, message: Message) -> scipy.sparse.csr_matrix:
        text = [message_text(message)]
        blocks: List[scipy.sparse.spmatrix] = [self.words.transform(text), self.chars.transform(text)]
        embedding: Optional[np.ndarray] = dense_sentence(message) if self.embedding_weight else None
        if embedding is not None:
            blocks.append(scipy.sparse.csr_matrix(embedding.reshape(1, -1) * self.embedding_weight))
        return scipy.sparse.hstack(blocks).tocsr()

    @property
    def width(self) -> int:
        """Columns without the embedding."""
        return len(self.words.vocabulary_) + len(self.chars.vocabulary_)

    def dot(self, message: Message, weights: np.ndarray) -> np.ndarray:
        """``row(message) @ weights.T`` for a fitted model's weights (one row per class), by
        hand: sklearn's transform spends ~1 ms a message checking and building its matrices,
        this ~0.1 ms for the same numbers (tests/test_text_vectors.py)."""
        text = message_text(message)
        total = np.zeros(weights.shape[0])
        offset = 0
        for analyse, vocabulary, idf in self._ready:
            columns, values = _tfidf(analyse(text), vocabulary, idf)
            if columns.size:
                total += weights[:, offset + columns] @ values
            offset += len(vocabulary)
        embedding = dense_sentence(message) if self.embedding_weight else None
        if embedding is not None:
            total += weights[:, offset:offset + embedding.size] @ (embedding * self.embedding_weight)
        return total

    @property
    def _ready(self) -> List[Tuple[Callable[[str], List[str]], Dict[str, int], np.ndarray]]:
        """Each block's analyser, vocabulary and idf, built once and not saved: sklearn's
        analysers are closures, and its ``idf_`` is worked out anew at every read."""
        if not hasattr(self, "_built"):
            self._built = [(v.build_analyzer(), v.vocabulary_, np.asarray(v.idf_)) for v in (self.words, self.chars)]
        return self._built

    def __getstate__(self) -> Dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_built"}


def message_text(message: Message) -> str:
    return str(message.get(TEXT) or "")


def _tfidf(terms: List[str], vocabulary: Dict[str, int], idf: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """One document's TF-IDF columns and values, as sklearn's vectorizer with sublinear_tf
    and L2 norm gives them."""
    counts = Counter(column for term in terms if (column := vocabulary.get(term)) is not None)
    columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf[columns]
    norm = float(np.linalg.norm(values))
    return columns, (values / norm if norm else values)
