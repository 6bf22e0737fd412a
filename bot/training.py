"""Build everything the model is trained from, then train only when something changed.

Order: spaCy pipeline (bot/nlp.py) and sentence model (bot/sentence_model.py) ->
generated responses (bot/compile.py) -> ``rasa train``. Rasa's fingerprints
retrain only the components whose data or config changed (nothing changed: it
repackages the model in seconds); they cannot see inside the spaCy pipeline or
the sentence model, so a rebuilt or newly fetched one forces training.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from pydantic import BaseModel

from bot.compile import lookups_yaml, responses_yaml, write_if_changed
from bot.content import load_library
from bot.errors import ModelError
from bot.log import logger
from bot.nlp import build_pipeline, load_terminology
from bot.sentence_model import ensure_sentence_model
from bot.settings import Settings

GENERATED_RESPONSES = Path("data/responses/faq.yml")
GENERATED_LOOKUPS = Path("data/nlu/generated_lookups.yml")
KEEP_MODELS = 3


class BuildResult(BaseModel):
    spacy_rebuilt: bool
    sentence_model_fetched: bool
    data_changed: bool


class TrainResult(BaseModel):
    model: Path
    trained: bool


def build(settings: Settings) -> BuildResult:
    """Build the spaCy pipeline and the generated training files."""
    library = load_library(settings.content_dir)
    terminology_path = settings.content_dir / "terminology.yml"
    spacy_rebuilt = build_pipeline(terminology_path, settings.spacy_model_dir)
    fetched = ensure_sentence_model(settings.sentence_model_dir)
    project = settings.project_dir
    responses = write_if_changed(responses_yaml(library), project / GENERATED_RESPONSES)
    lookups = write_if_changed(
        lookups_yaml(load_terminology(terminology_path)), project / GENERATED_LOOKUPS
    )
    return BuildResult(spacy_rebuilt=spacy_rebuilt, sentence_model_fetched=fetched, data_changed=responses or lookups)


def train(settings: Settings, force: bool = False) -> TrainResult:
    import rasa.api

    built = build(settings)
    before = _newest(settings.models_dir)
    project = settings.project_dir
    result = rasa.api.train(
        domain=str(project / "domain.yml"),
        config=str(project / "config.yml"),
        training_files=str(project / "data"),
        output=str(settings.models_dir),
        force_training=force or built.spacy_rebuilt or built.sentence_model_fetched or before is None,
    )
    if result.code != 0 or not result.model:
        raise ModelError(f"training failed with code {result.code}")
    model = Path(result.model)
    trained = model != before
    logger.info("model %s (%s)", model.name, "packaged" if trained else "unchanged, reused")
    _prune(settings.models_dir, keep=KEEP_MODELS)
    return TrainResult(model=model, trained=trained)


def _prune(models_dir: Path, keep: int) -> None:
    """Rasa writes a new archive even when it retrained nothing; keep the newest few."""
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    for old in models[:-keep]:
        old.unlink()


def _newest(models_dir: Path) -> Optional[Path]:
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None
