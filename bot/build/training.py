"""Build everything the model is trained from, then train only when something changed.

Order: spaCy pipeline (bot/build/spacy_pipeline.py) and sentence model (bot/build/sentence_model.py) ->
generated responses (bot/build/compile.py) -> ``rasa train``. Rasa's fingerprints
retrain only the components whose data or config changed (nothing changed: it
repackages the model in seconds); they cannot see inside the spaCy pipeline or
the sentence model, so a rebuilt or newly fetched one forces training.
"""
from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from bot.build.compile import lookups_yaml, responses_yaml, write_if_changed
from bot.build.model_archives import model_archives, newest_model
from bot.build.sentence_model import ensure_sentence_model
from bot.build.spacy_pipeline import build_pipeline, load_terminology
from bot.content.library import load_library
from bot.errors import ModelError
from bot.log import logger
from bot.safety.loader import PATTERNS_DIR, PREFILTER_FILE, load_detector, pattern_paths, prefilter_file_text
from bot.settings import Settings

# Written by ``build`` into the Rasa data directory (settings.data_dir).
GENERATED_RESPONSES = Path("responses/faq.yml")
GENERATED_LOOKUPS = Path("nlu/generated_lookups.yml")
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
    spacy_rebuilt = build_pipeline(settings.terminology_file, settings.spacy_model_dir)
    fetched = ensure_sentence_model(settings.sentence_model_dir)
    responses = write_if_changed(responses_yaml(library), settings.data_dir / GENERATED_RESPONSES)
    lookups = write_if_changed(
        lookups_yaml(load_terminology(settings.terminology_file)), settings.data_dir / GENERATED_LOOKUPS
    )
    write_prefilter_file()
    return BuildResult(spacy_rebuilt=spacy_rebuilt, sentence_model_fetched=fetched, data_changed=responses or lookups)


def write_prefilter_file() -> bool:
    """The crisis rules' prefilter literal sets, found once here instead of at every start-up
    (found afresh: the patterns given as files, the generated file is not read)."""
    fresh = load_detector(pattern_paths(PATTERNS_DIR))
    return write_if_changed(prefilter_file_text(fresh), PATTERNS_DIR / PREFILTER_FILE)


def train(settings: Settings, force: bool = False) -> TrainResult:
    import rasa.api

    built = build(settings)
    before = newest_model(settings.models_dir)
    result = rasa.api.train(
        domain=str(settings.domain_file),
        config=str(settings.rasa_config_file),
        training_files=str(settings.data_dir),
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
    for old in model_archives(models_dir)[:-keep]:
        old.unlink()
