"""Trained model archives: what ``kapbot train`` writes to models_dir, newest last."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

from bot.errors import ModelError

MODEL_ARCHIVE_GLOB = "*.tar.gz"  # what rasa.api.train writes


def model_archives(models_dir: Path) -> List[Path]:
    """Every archive in ``models_dir``, oldest first."""
    return sorted(models_dir.glob(MODEL_ARCHIVE_GLOB), key=lambda p: p.stat().st_mtime)


def newest_model(models_dir: Path) -> Optional[Path]:
    archives = model_archives(models_dir)
    return archives[-1] if archives else None


def latest_model(models_dir: Path) -> Path:
    """The model to serve; ModelError when none was trained."""
    model = newest_model(models_dir)
    if model is None:
        raise ModelError(f"no trained model in {models_dir}; run 'kapbot train'")
    return model
