"""A message as one row of numbers for the linear models of the pipeline (the FAQ selector
and the crisis classifier): TF-IDF word n-grams, TF-IDF character n-grams and the sentence
embedding (bot/nlu/sentence_featurizer.py), side by side.

Each model fits its own vocabulary on its own examples, so each keeps its own instance
(saved with the model by joblib).
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

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
        texts = [_text(m) for m in messages]
        self.words.fit(texts)
        self.chars.fit(texts)
        return scipy.sparse.vstack([self.row(m) for m in messages]).tocsr()

    def row(self, message: Message) -> scipy.sparse.csr_matrix:
        text = [_text(message)]
        blocks: List[scipy.sparse.spmatrix] = [self.words.transform(text), self.chars.transform(text)]
        embedding: Optional[np.ndarray] = dense_sentence(message) if self.embedding_weight else None
        if embedding is not None:
            blocks.append(scipy.sparse.csr_matrix(embedding.reshape(1, -1) * self.embedding_weight))
        return scipy.sparse.hstack(blocks).tocsr()

    @property
    def width(self) -> int:
        """Columns without the embedding."""
        return len(self.words.vocabulary_) + len(self.chars.vocabulary_)


def _text(message: Message) -> str:
    return str(message.get(TEXT) or "")
