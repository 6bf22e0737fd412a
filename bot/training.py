"""Build everything the model is trained from, then train only when something changed.

Order: spaCy pipeline (bot/nlp.py) -> generated responses (bot/compile.py) ->
``rasa train``. Rasa's fingerprint skips training when data and config are
unchanged; it cannot see inside the spaCy pipeline, so a rebuilt pipeline
forces training.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from pydantic import BaseModel

from bot.compile import write_responses
from bot.content import load_library
from bot.errors import ModelError
from bot.log import logger
from bot.nlp import build_pipeline
from bot.settings import Settings

GENERATED_RESPONSES = Path("data/responses/faq.yml")


class BuildResult(BaseModel):
    spacy_rebuilt: bool
    responses_changed: bool


class TrainResult(BaseModel):
    model: Path
    trained: bool


def build(settings: Settings) -> BuildResult:
    """Build the spaCy pipeline and the generated training files."""
    library = load_library(settings.content_dir)
    spacy_rebuilt = build_pipeline(
        settings.content_dir / "terminology.yml", settings.spacy_model_dir
    )
    responses_changed = write_responses(library, settings.project_dir / GENERATED_RESPONSES)
    return BuildResult(spacy_rebuilt=spacy_rebuilt, responses_changed=responses_changed)


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
        force_training=force or built.spacy_rebuilt or before is None,
    )
    if result.code != 0 or not result.model:
        raise ModelError(f"training failed with code {result.code}")
    model = Path(result.model)
    trained = model != before
    logger.info("model %s (%s)", model.name, "trained" if trained else "unchanged, reused")
    return TrainResult(model=model, trained=trained)


def _newest(models_dir: Path) -> Optional[Path]:
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None
