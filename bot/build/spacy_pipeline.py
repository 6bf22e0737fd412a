"""Build the spaCy pipeline Rasa's SpacyNLP loads, from packages we ship (no downloads).

A blank English pipeline with lookup lemmas from spacy-lookups-data, plus an
entity ruler over content/terminology.yml (medications, conditions, routes).
The result goes to ``.build/spacy/kap_en``; a hash of its inputs is stored
beside it so training knows when it changed.
"""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Dict, List

from pydantic import BaseModel, validator

from bot.content.files import load_yaml_model

ENTITY_LABELS = ("treatment", "medication", "condition", "route")


class Terminology(BaseModel):
    treatment: List[str]
    medication: List[str]
    condition: List[str]
    route: List[str]

    @validator("*", each_item=True)
    def plain_term(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("empty term")
        return value.strip().lower()


def load_terminology(path: Path) -> Terminology:
    return load_yaml_model(path, Terminology)


def inputs_hash(terminology_path: Path) -> str:
    import spacy
    import spacy_lookups_data

    # What the pipeline is made of, not where this checkout is: another checkout of the
    # same code (a worktree, a clean clone) must not force a rebuild and a retrain.
    digest = hashlib.sha256(terminology_path.read_bytes())
    digest.update(f"{spacy.__version__}/{spacy_lookups_data.__version__}".encode())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def _patterns(terms: Terminology) -> List[Dict]:
    patterns = []
    for label in ENTITY_LABELS:
        for term in getattr(terms, label):
            # LOWER matches the term as written; LEMMA also catches plurals.
            words = term.split()
            patterns.append({"label": label, "pattern": [{"LOWER": w} for w in words]})
            patterns.append({"label": label, "pattern": [{"LEMMA": w} for w in words]})
    return patterns


def build_pipeline(terminology_path: Path, target: Path) -> bool:
    """Build the pipeline unless an up-to-date one exists. Returns True when built."""
    stamp = target / "kapbot-inputs.txt"
    wanted = inputs_hash(terminology_path)
    if stamp.exists() and stamp.read_text().strip() == wanted:
        return False
    import spacy
    from spacy.pipeline import EntityRuler

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("entity_ruler")
    assert isinstance(ruler, EntityRuler)
    nlp.initialize()
    # After initialize(), which would reset the ruler's patterns.
    ruler.add_patterns(_patterns(load_terminology(terminology_path)))
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    stamp.write_text(wanted + "\n")
    return True
